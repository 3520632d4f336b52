import Foundation

/// Parses `value; key=token; key="quoted"` header values (Content-Type, Content-Disposition).
struct HeaderParameters: Sendable, Equatable {
    /// The part before the first semicolon, lowercased (`multipart/form-data`, `form-data`).
    var value: String
    /// Parameter names lowercased; values unquoted.
    var parameters: [String: String]

    init(_ header: String) {
        var rest = Substring(header)
        value = String(Self.take(&rest, until: ";")).trimmingCharacters(in: .whitespaces).lowercased()
        parameters = [:]
        while !rest.isEmpty {
            rest = rest.drop { $0 == ";" || $0 == " " || $0 == "\t" }
            let name = Self.take(&rest, until: "=").trimmingCharacters(in: .whitespaces).lowercased()
            guard !rest.isEmpty else { break }
            rest = rest.dropFirst()  // "="
            let parsed: String
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var text = ""
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        text.append(character)
                        escaped = false
                    } else if character == "\\" {
                        escaped = true
                    } else if character == "\"" {
                        break
                    } else {
                        text.append(character)
                    }
                }
                _ = Self.take(&rest, until: ";")
                parsed = text
            } else {
                parsed = String(Self.take(&rest, until: ";")).trimmingCharacters(in: .whitespaces)
            }
            if !name.isEmpty { parameters[name] = parsed }
        }
    }

    private static func take(_ text: inout Substring, until separator: Character) -> Substring {
        let end = text.firstIndex(of: separator) ?? text.endIndex
        defer { text = text[end...] }
        return text[..<end]
    }

    /// The file name a browser or curl sent: `filename*` (RFC 5987, UTF-8) when present, else `filename`,
    /// reduced to its last path component with control characters removed and at most 255 characters.
    var fileName: String? {
        var name: String?
        if let extended = parameters["filename*"], let quote = extended.range(of: "''") {
            name = String(extended[quote.upperBound...]).removingPercentEncoding
        }
        guard let raw = name ?? parameters["filename"] else { return nil }
        let lastComponent = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(
            lastComponent.unicodeScalars.filter { !$0.properties.generalCategory.isControl }.map(Character.init))
        return String(cleaned.prefix(255))
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isControl: Bool {
        switch self {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}
