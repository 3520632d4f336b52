import Foundation
import Hummingbird

/// The text fields of a small form post: URL-encoded (an HTML form) or a flat JSON object (scripts, curl).
enum RequestFields {
    static let maxBytes = 64 * 1024

    static func read(_ request: Request) async throws -> [String: String] {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBytes)
        } catch {
            throw APIError.tooLarge("The form is larger than \(Formatting.bytes(maxBytes)).")
        }
        let type = HeaderParameters(request.headers[.contentType] ?? "").value
        if type == "application/json" {
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            else {
                throw APIError.badRequest("The body is not a JSON object.")
            }
            var fields: [String: String] = [:]
            for (name, value) in object {
                switch value {
                case let text as String: fields[name] = text
                case let number as NSNumber: fields[name] = number.stringValue
                case is NSNull: fields[name] = ""
                default: throw APIError.badRequest("The field \u{201C}\(name)\u{201D} must be a string or a number.")
                }
            }
            return fields
        }
        return FormFields(body).values
    }

    /// An album name from a form: trimmed, 1 to 200 characters, no control characters.
    static func albumName(_ fields: [String: String]) throws -> String {
        let name = (fields["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw APIError.badRequest("Give the album a name.") }
        guard name.count <= 200 else { throw APIError.badRequest("An album name has at most 200 characters.") }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badRequest("An album name cannot contain control characters.")
        }
        return name
    }

    /// An album id from a form field: empty means "no album".
    static func albumID(_ text: String?) throws -> Int64? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty, text != "none" else { return nil }
        guard let id = Int64(text), id > 0 else {
            throw APIError.badRequest("album must be an album id, or empty for none.")
        }
        return id
    }
}
