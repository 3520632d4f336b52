import Database
import Foundation
import Hummingbird

/// The text fields of a small form post: URL-encoded (an HTML form) or a flat JSON object (scripts, curl).
enum RequestFields {
    static let maxBytes = 64 * 1024

    /// What JSON type a field takes: text (a string), a flag (true/false) or a number (a whole one, like an id).
    /// Strings are taken for any kind (forms send only text; the field's parser checks it).
    enum FieldKind: Sendable {
        case text, flag, number
    }

    /// The fields of the body. A JSON object may name only `accepted` fields (and `csrf_token`), each of its kind:
    /// anything else is a 400 naming the field, so a misspelt or future field is never silently ignored. A form's
    /// extra fields are ignored (pages send their own bookkeeping fields).
    static func read(_ request: Request, accepting accepted: [String: FieldKind]) async throws -> [String: String] {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBytes)
        } catch {
            throw APIError.tooLarge("The form is larger than \(Formatting.bytes(maxBytes)).")
        }
        let type = HeaderParameters(request.headers[.contentType] ?? "").value
        if type == "application/json" {
            guard
                let object = try? JSONDecoder().decode(
                    [String: JSONFieldValue].self, from: Data(body.readableBytesView))
            else {
                throw APIError.badRequest("The body is not a JSON object.")
            }
            try rejectUnknown(Array(object.keys), accepted: Set(accepted.keys))
            var fields: [String: String] = [:]
            for (name, value) in object {
                fields[name] = try value.text(named: name, kind: accepted[name] ?? .text)
            }
            return fields
        }
        return FormFields(body).values
    }

    /// A 400 naming the first field of a JSON object that is not `accepted` (nor `csrf_token`).
    static func rejectUnknown(_ names: [String], accepted: Set<String>) throws {
        let unknown = Set(names).subtracting(accepted).subtracting([CSRFPolicy.fieldName])
        if let name = unknown.sorted().first {
            throw APIError.badRequest(
                "Unknown field \u{201C}\(name)\u{201D}: this takes \(accepted.sorted().joined(separator: ", ")).")
        }
    }

    /// The top-level keys of a JSON object body, or nil when it is not one (its decoder then says what is wrong).
    static func jsonKeys(_ body: ByteBuffer) -> [String]? {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]).map { Array($0.keys) }
    }

    /// A yes/no field: `true`/`false`, `1`/`0` (JSON booleans arrive so), `on` (a checkbox).
    static func flag(named name: String) -> (String) throws -> Bool {
        { text in
            switch text.lowercased() {
            case "true", "1", "on", "yes": return true
            case "false", "0", "off", "no", "": return false
            default: throw APIError.badRequest("\(name) must be true or false.")
            }
        }
    }

    /// The ids of a query's `ids=1,2,3` (empty: none), at most 200; a 400 for anything that is not a list of ids.
    static func queryIDs(_ text: Substring) throws -> [Int64] {
        guard !text.isEmpty else { return [] }
        let ids = try text.split(separator: ",", omittingEmptySubsequences: false).map { part -> Int64 in
            guard let id = Int64(part), id >= 0 else { throw APIError.badRequest("ids must be ids like 1,2,3.") }
            return id
        }
        guard ids.count <= 200 else { throw APIError.badRequest("Ask for at most 200 ids at once.") }
        return ids
    }

    /// The most photo ids one request may name.
    static let maxPhotoIDs = 10_000

    /// The photo ids of a body: JSON `{"photos": [1, 2]}` or the form field `photos` (`1,2`), 1 to 10,000 of them.
    static func photoIDs(_ request: Request) async throws -> [Int64] {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: 32 * maxPhotoIDs)
        } catch {
            throw APIError.tooLarge("Name at most \(maxPhotoIDs) photos at once.")
        }
        let ids: [Int64]
        if HeaderParameters(request.headers[.contentType] ?? "").value == "application/json" {
            struct Body: Decodable { let photos: [Int64] }
            guard let decoded = try? JSONDecoder().decode(Body.self, from: Data(body.readableBytesView)) else {
                throw APIError.badRequest("The body must be a JSON object like {\"photos\": [1, 2, 3]}.")
            }
            try rejectUnknown(jsonKeys(body) ?? [], accepted: ["photos"])
            ids = decoded.photos
        } else {
            let text = FormFields(body).values["photos"] ?? ""
            let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            ids = try parts.map { part in
                guard let id = Int64(part) else { throw APIError.badRequest("photos must be photo ids like 1,2,3.") }
                return id
            }
        }
        guard !ids.isEmpty else { throw APIError.badRequest("Name at least one photo (field \"photos\").") }
        guard ids.count <= maxPhotoIDs else { throw APIError.badRequest("Name at most \(maxPhotoIDs) photos at once.") }
        guard ids.allSatisfy({ $0 > 0 }) else { throw APIError.badRequest("Photo ids are positive whole numbers.") }
        var seen = Set<Int64>()
        return ids.filter { seen.insert($0).inserted }
    }

    /// An album name from a form: trimmed, 1 to 200 characters, no control characters.
    static func albumName(_ fields: [String: String]) throws -> String {
        let raw = fields["name"] ?? ""
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw APIError.badRequest("Give the album a name.") }
        // The untrimmed length, in Unicode scalars as the database's CHECK counts them (a letter with combining marks
        // is one Swift character but several scalars): what the client sent is what the limit is about.
        guard raw.unicodeScalars.count <= 200 else {
            throw APIError.badRequest("An album name has at most 200 characters.")
        }
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

    /// A corrected capture time: `2019-07-14`, `2019-07-14T18:42`, `2019-07-14T18:42:07`, each optionally with
    /// `Z` or `±HH:MM` (or that offset in `offset`, as the page's form sends it). A bare date means noon.
    static func captureTime(_ text: String, offset separateOffset: String?) throws -> CaptureTime {
        var local = text.trimmingCharacters(in: .whitespaces)
        var offset = separateOffset?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if local.hasSuffix("Z") {
            local.removeLast()
            offset = offset ?? "+00:00"
        } else if local.count > 10, let sign = local.lastIndex(where: { $0 == "+" || $0 == "-" }),
            local.distance(from: local.startIndex, to: sign) >= 16
        {
            offset = offset ?? String(local[sign...])
            local = String(local[..<sign])
        }
        switch local.count {
        case 10: local += "T12:00:00"
        case 16: local += ":00"
        default: break
        }
        if offset == "Z" { offset = "+00:00" }
        guard let time = CaptureTime(localTime: local, offset: offset) else {
            throw APIError.badRequest(
                "taken_at must be a real date and time like 2019-07-14T18:42:07, optionally with an offset like +02:00."
            )
        }
        return time
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
