import Database
import Foundation

/// The fields of a new invite (`username`, `note`, `role`, `expires_in_days`) or reset link (`expires_in_days`),
/// checked: a clear 400 for anything out of bounds.
struct AccountLinkRequest: Sendable {
    static let defaultDays = 7
    static let maximumDays = 90
    static let maximumNote = 200
    /// Every field a JSON body may name.
    static let fieldNames: [String: RequestFields.FieldKind] = [
        "username": .text, "note": .text, "role": .text, "expires_in_days": .number,
    ]

    var username: String?
    var note: String?
    var role: Role
    var days: Int

    init(_ fields: [String: String]) throws {
        let name = (fields["username"] ?? "").trimmingCharacters(in: .whitespaces)
        if name.isEmpty {
            username = nil
        } else {
            if let problem = UsernamePolicy.problem(name) { throw APIError.badRequest(Self.sentence(problem)) }
            username = name
        }
        let note = (fields["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.unicodeScalars.count <= Self.maximumNote else {  // as the database counts
            throw APIError.badRequest("The note has at most \(Self.maximumNote) characters.")
        }
        guard !note.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badRequest("The note cannot contain control characters.")
        }
        self.note = note.isEmpty ? nil : note
        role = try Self.role(fields["role"]) ?? .member
        let daysText = (fields["expires_in_days"] ?? "").trimmingCharacters(in: .whitespaces)
        if daysText.isEmpty {
            days = Self.defaultDays
        } else {
            guard let days = Int(daysText), (1...Self.maximumDays).contains(days) else {
                throw APIError.badRequest("expires_in_days must be a whole number from 1 to \(Self.maximumDays).")
            }
            self.days = days
        }
    }

    /// A `role` field: `admin` or `member`; nil when absent or empty.
    static func role(_ text: String?) throws -> Role? {
        guard let text = text?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty else { return nil }
        guard let role = Role(rawValue: text) else { throw APIError.badRequest("role must be admin or member.") }
        return role
    }

    /// A policy's problem ("the username is empty") as a sentence.
    static func sentence(_ problem: String) -> String {
        problem.prefix(1).uppercased() + problem.dropFirst() + "."
    }

    func expiresAt(now: Date) -> Date { now.addingTimeInterval(TimeInterval(days) * 86_400) }
}
