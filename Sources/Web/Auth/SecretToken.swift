import Crypto
import Foundation
import Storage

/// Random secrets handed to clients (session cookies, API tokens, share links) and the SHA-256 digests stored in their place.
public enum SecretToken {
    /// The prefix of API tokens, so a leaked one is recognisable in logs and by secret scanners.
    public static let apiPrefix = "mem_"

    /// 32 random bytes, base64url without padding (43 characters).
    static func random() -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A new share-link token: 32 random bytes (256 bits), the whole secret of a public link's URL.
    static func newShareToken() -> String { random() }

    /// A new API token: `mem_` and 32 random bytes.
    public static func newAPIToken() -> String { apiPrefix + random() }

    /// The SHA-256 of a secret, lowercase hex: what the database stores and looks up.
    public static func digest(_ secret: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Data(secret.utf8))))
    }

    /// Compares two strings in time that depends only on their lengths.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// Whether text could be a secret we issued (base64url, with the API prefix when `api`): anything else is
    /// refused without a database lookup.
    static func isWellFormed(_ text: String, api: Bool) -> Bool {
        var body = Substring(text)
        if api {
            guard body.hasPrefix(apiPrefix) else { return false }
            body = body.dropFirst(apiPrefix.count)
        }
        return body.utf8.count == 43
            && body.utf8.allSatisfy {
                (65...90).contains($0) || (97...122).contains($0) || (48...57).contains($0) || $0 == 45 || $0 == 95
            }
    }
}
