import Crypto
import Foundation
import Hummingbird

/// The cookie a right share-link password earns: scoped to that link's path, HttpOnly, SameSite=Lax, Secure behind
/// TLS. Its value is an HMAC of the link's token keyed by the link's password hash, so nothing is stored for it, it
/// opens no other link (another token, another hash), and changing or revoking the link ends it.
enum ShareCookie {
    static let name = "memories_share"
    /// How long a right password is remembered when the link itself lasts longer.
    static let lifetime: TimeInterval = 30 * 86_400

    /// The value that proves the password was given for the link with `token` and `passwordHash`.
    static func value(token: String, passwordHash: String) -> String {
        let key = SymmetricKey(data: Data(passwordHash.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("memories-share:\(token)".utf8), using: key)
        return Data(mac).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whether the request carries the cookie of this link (compared in constant time).
    static func isValid(_ request: Request, token: String, passwordHash: String) -> Bool {
        guard let sent = request.cookies[name]?.value else { return false }
        return SecretToken.constantTimeEqual(sent, value(token: token, passwordHash: passwordHash))
    }

    /// The cookie for the link, living until the link expires or `lifetime`, whichever is first.
    static func issue(token: String, passwordHash: String, expiresAt: Date?, request: Request) -> Cookie {
        let remaining = expiresAt.map { $0.timeIntervalSinceNow } ?? lifetime
        return Cookie(
            name: name, value: value(token: token, passwordHash: passwordHash),
            maxAge: max(1, Int(min(remaining, lifetime))), path: "/s/\(token)", secure: SessionCookie.isTLS(request),
            httpOnly: true, sameSite: .lax)
    }
}
