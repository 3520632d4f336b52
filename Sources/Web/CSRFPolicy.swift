import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Double-submit CSRF protection: a random token lives in a `SameSite=Lax` cookie, and every unsafe request from a
/// browser that holds it must send the same token back (form field `csrf_token` or header `X-CSRF-Token`).
/// Requests without the cookie (curl, API clients) carry no ambient authority and pass, unless the browser itself says
/// they come from another site (`Sec-Fetch-Site`, or an `Origin` that is not this host). Accounts (issue 8) can bind
/// the token to the session later without changing forms or scripts.
enum CSRFPolicy {
    static let cookieName = "memories_csrf"
    static let fieldName = "csrf_token"
    static let headerName = HTTPField.Name("X-CSRF-Token")!

    static let rejected = APIError(
        .forbidden, "csrf_failed",
        "This form has expired or came from another site: reload the page and try again.")

    /// A fresh token: 32 random bytes as hex.
    static func newToken() -> String {
        Hex.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    /// The request's token cookie, when it holds a well-formed token.
    static func cookieToken(_ request: Request) -> String? {
        guard let value = request.cookies[cookieName]?.value, value.utf8.count == 64,
            value.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { return nil }
        return value
    }

    /// Whether the browser marked the request as coming from another site.
    static func isCrossSite(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site == "cross-site" || site == "same-site" {
            return true
        }
        if let origin = request.headers[.origin], origin != "null", let host = request.head.authority {
            let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
            return originHost != host
        }
        return false
    }

    /// Throws `rejected` unless the request may change state with `submitted` as its token.
    static func verify(_ request: Request, submitted: String?) throws {
        if let expected = cookieToken(request) {
            guard let submitted, constantTimeEqual(submitted, expected) else { throw rejected }
        } else if isCrossSite(request) {
            throw rejected
        }
    }

    static func isUnsafe(_ method: HTTPRequest.Method) -> Bool {
        method != .get && method != .head && method != .options
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
