/// Just enough XML for S3's small responses (error codes, upload IDs, listings), without a parser dependency.
enum S3XML {
    /// The text of every `<tag>…</tag>` element, in document order, with the five predefined entities decoded.
    static func values(of tag: String, in xml: String) -> [String] {
        var results: [String] = []
        let open = "<\(tag)>"
        let close = "</\(tag)>"
        var rest = xml[...]
        while let start = rest.range(of: open) {
            guard let end = rest[start.upperBound...].range(of: close) else { break }
            results.append(unescape(String(rest[start.upperBound..<end.lowerBound])))
            rest = rest[end.upperBound...]
        }
        return results
    }

    /// The first `<tag>` text, if any.
    static func value(of tag: String, in xml: String) -> String? {
        values(of: tag, in: xml).first
    }

    /// Escapes text for an element body.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    private static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
