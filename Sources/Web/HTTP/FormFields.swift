import Foundation
import NIOCore

/// The fields of an `application/x-www-form-urlencoded` body (what a plain HTML form posts); the first value wins.
struct FormFields: Sendable {
    let values: [String: String]

    init(_ body: ByteBuffer) {
        self.init(String(buffer: body))
    }

    init(_ text: String) {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.flatMap({ Self.decode($0) }), !name.isEmpty else { continue }
            let value = parts.count > 1 ? Self.decode(parts[1]) ?? "" : ""
            if values[name] == nil { values[name] = value }
        }
        self.values = values
    }

    subscript(_ name: String) -> String? { values[name] }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
