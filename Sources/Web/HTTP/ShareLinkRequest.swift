import Database
import Foundation

/// The fields of a new share link, from JSON (`expires_at`, `password`, `allow_download`, `allow_upload`,
/// `allow_view`) or the page's share form (which also sends `expires_in`, like `30d`, `upload_only`, and
/// `share_form`, so an unticked box means false), checked: every bad value is a 400 naming the field.
struct ShareLinkRequest: Sendable {
    var expiresAt: Date?
    var password: String?
    var permissions: SharePermissions

    /// Every field a JSON body may name (the form's own fields included).
    static let fieldNames: [String: RequestFields.FieldKind] = [
        "expires_at": .text, "expires_in": .text, "password": .text, "allow_download": .flag, "allow_upload": .flag,
        "allow_view": .flag, "upload_only": .flag, "share_form": .text,
    ]

    init(_ fields: [String: String], target: ShareTarget, defaultExpiry: Duration?, now: Date) throws {
        let fromForm = fields["share_form"] != nil
        // The form has boxes for downloads and uploads (and "upload only" for a drop box), none for viewing.
        func flag(_ name: String, default fallback: Bool, box: Bool = true) throws -> Bool {
            guard let text = fields[name] else { return fromForm && box ? false : fallback }
            switch text.lowercased() {
            case "true", "1", "on", "yes": return true
            case "false", "0", "off", "no": return false
            // JSON null (a box never sends an empty value): the default, as if the field were absent.
            case "": return fromForm && box ? false : fallback
            default: throw APIError.badRequest("\(name) must be true or false.")
            }
        }
        permissions = SharePermissions(
            download: try flag("allow_download", default: true), upload: try flag("allow_upload", default: false),
            view: try flag("allow_view", default: true, box: false))
        if fields["upload_only"].map({ ["1", "on", "true", "yes"].contains($0.lowercased()) }) == true {
            permissions.view = false
            permissions.upload = true
        }
        if permissions.upload, target.albumID == nil {
            throw APIError.badRequest("allow_upload is for album links only: guests upload into an album.")
        }
        if !permissions.view, !permissions.upload {
            throw APIError.badRequest("A link must allow viewing or uploading (allow_view or allow_upload).")
        }
        if let text = fields["expires_at"] {
            if text.isEmpty {
                expiresAt = nil
            } else {
                guard let date = Self.instant(text) ?? Self.dateOnly(text) else {
                    throw APIError.badRequest(
                        "expires_at must be an ISO 8601 time like 2026-12-24T18:00:00Z, or null for never.")
                }
                expiresAt = date
            }
        } else if let text = fields["expires_in"], text != "default" {
            do {
                expiresAt = try SharingConfiguration.lifetime(text).map { now.addingTimeInterval($0.seconds) }
            } catch {
                throw APIError.badRequest("expires_in must be like 30d, 12h or 90m, or never.")
            }
        } else {
            expiresAt = defaultExpiry.map { now.addingTimeInterval($0.seconds) }
        }
        if let expiresAt, expiresAt <= now {
            throw APIError.badRequest("expires_at is in the past: a link must expire later than now.")
        }
        let password = fields["password"] ?? ""
        if password.isEmpty {
            self.password = nil
        } else {
            if let problem = PasswordPolicy.problem(password) { throw APIError.badRequest("The link's \(problem).") }
            self.password = password
        }
    }

    /// An ISO 8601 time with `Z` or an offset, with or without fractional seconds.
    static func instant(_ text: String) -> Date? {
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
        ] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// `2026-12-24` as the end of that day in UTC (a date picker's value).
    static func dateOnly(_ text: String) -> Date? {
        guard text.count == 10, let start = instant(text + "T00:00:00Z") else { return nil }
        return start.addingTimeInterval(86_400 - 1)
    }
}
