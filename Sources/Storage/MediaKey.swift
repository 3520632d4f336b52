/// The name of a stored object: `<kind>/<sha256 hex>.<ext>`, derived from the original's content hash.
public struct MediaKey: Hashable, Sendable, CustomStringConvertible {
    /// The three families of stored files.
    public enum Kind: String, Sendable, CaseIterable {
        case original
        case display
        case thumbnail
    }

    public let kind: Kind
    public let hash: String
    public let fileExtension: String

    public init(kind: Kind, hash: String, fileExtension: String) {
        self.kind = kind
        self.hash = hash
        self.fileExtension = fileExtension
    }

    /// Parses a key such as `display/3fa9….jpg`; nil for anything that is not exactly that shape,
    /// so request paths can never name a file outside the three families.
    public init?(path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])) else { return nil }
        let name = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard name.count == 2, MediaKey.isSHA256Hex(name[0]), MediaKey.contentTypes[String(name[1])] != nil else {
            return nil
        }
        self.init(kind: kind, hash: String(name[0]), fileExtension: String(name[1]))
    }

    /// The path-like key, e.g. `original/<hash>.jpg`.
    public var path: String { "\(kind.rawValue)/\(hash).\(fileExtension)" }

    public var description: String { path }

    /// The extensions stored files have (originals of every accepted format; derivatives are JPEG, PNG or WebP) and
    /// the content type each implies.
    public static let contentTypes: [String: String] = [
        "jpg": "image/jpeg", "png": "image/png", "heic": "image/heic", "avif": "image/avif", "webp": "image/webp",
    ]

    /// The content type implied by the extension.
    public var contentType: String { Self.contentTypes[fileExtension] ?? "application/octet-stream" }

    /// True for 64 lowercase hexadecimal digits.
    public static func isSHA256Hex<S: StringProtocol>(_ value: S) -> Bool {
        value.utf8.count == 64 && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
