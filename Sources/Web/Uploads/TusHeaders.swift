import Foundation
import HTTPTypes

/// The tus 1.0 protocol's header names and value formats.
enum TusHeaders {
    static let version = "1.0.0"
    static let resumable = HTTPField.Name("Tus-Resumable")!
    static let tusVersion = HTTPField.Name("Tus-Version")!
    static let maxSize = HTTPField.Name("Tus-Max-Size")!
    static let extensions = HTTPField.Name("Tus-Extension")!
    static let checksumAlgorithms = HTTPField.Name("Tus-Checksum-Algorithm")!
    static let uploadLength = HTTPField.Name("Upload-Length")!
    static let uploadOffset = HTTPField.Name("Upload-Offset")!
    static let uploadMetadata = HTTPField.Name("Upload-Metadata")!
    static let uploadChecksum = HTTPField.Name("Upload-Checksum")!
    static let uploadExpires = HTTPField.Name("Upload-Expires")!
    static let uploadDeferLength = HTTPField.Name("Upload-Defer-Length")!
    static let chunkContentType = "application/offset+octet-stream"

    /// `Upload-Metadata`: comma-separated `key base64value` pairs (the value may be absent). Nil when malformed.
    static func parseMetadata(_ text: String) -> [String: String]? {
        var result: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
            guard let key = parts.first, parts.count <= 2, key.unicodeScalars.allSatisfy(Self.isKeyScalar) else {
                return nil
            }
            if parts.count == 2 {
                guard let data = Data(base64Encoded: String(parts[1])) else { return nil }
                result[String(key)] = String(decoding: data, as: UTF8.self)
            } else {
                result[String(key)] = ""
            }
        }
        return result
    }

    /// Whether a metadata key may hold the scalar: tus keys are ASCII, without spaces and commas (HTTP's token
    /// characters).
    static func isKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII
            && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || "!#$%&'*+.^_|~-".unicodeScalars.contains(scalar))
    }

    /// A file name from the client, kept as text: the last path component, no control characters, at most 255.
    static func cleanFileName(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init))
        return String(cleaned.prefix(255))
    }
}

/// The algorithm and digest of an `Upload-Checksum` header.
struct ChunkChecksum: Sendable {
    enum Algorithm: String, Sendable { case sha256, sha1 }
    var algorithm: Algorithm
    var digest: [UInt8]

    /// Parses `sha256 <base64>`; throws 400 for an unknown algorithm or a malformed digest.
    init(header: String) throws {
        let parts = header.split(separator: " ")
        guard parts.count == 2, let algorithm = Algorithm(rawValue: parts[0].lowercased()) else {
            throw APIError.badRequest("Upload-Checksum must be \"sha256 <base64 digest>\" (or sha1).")
        }
        guard let data = Data(base64Encoded: String(parts[1])), data.count == (algorithm == .sha256 ? 32 : 20) else {
            throw APIError.badRequest("Upload-Checksum's digest is not a base64 \(algorithm.rawValue) digest.")
        }
        self.algorithm = algorithm
        self.digest = Array(data)
    }
}
