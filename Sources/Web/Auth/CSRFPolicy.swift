import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// CSRF protection. A signed-in browser's token is bound to its session: an HMAC of the session cookie's secret, so a
/// token planted in the CSRF cookie (from a sibling subdomain, say) or learned before sign-in is worthless, and
/// every unsafe request with a session must send it back (form field `csrf_token` or header `X-CSRF-Token`).
/// Anonymous browsers get double-submit: a random token in a `SameSite=Lax` cookie that unsafe requests must repeat.
/// Requests with neither cookie (curl, API clients) carry no ambient authority and pass, unless the browser itself
/// says they come from another site (`Sec-Fetch-Site`, or an `Origin` that is not this host).
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

    /// The token of a browser signed in with the session whose cookie holds `sessionSecret`.
    static func sessionToken(sessionSecret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: Array("memories-csrf".utf8), using: SymmetricKey(data: Array(sessionSecret.utf8)))
        return Hex.encode(Array(code))
    }

    /// The token this request's pages carry and its unsafe requests must send: the session-bound one when signed in
    /// with a session cookie, else the CSRF cookie's (or a fresh one, which the response sets as the cookie).
    static func expectedToken(_ request: Request, user: SignedInUser?) -> (token: String, fromCookie: String?) {
        let cookie = cookieToken(request)
        if case .session? = user?.credential, let secret = SessionCookie.token(request) {
            return (sessionToken(sessionSecret: secret), cookie)
        }
        return (cookie ?? newToken(), cookie)
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
            let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(
                String.init)
            return originHost != host
        }
        return false
    }

    /// Throws `rejected` unless the request may change state with `submitted` as its token. `context.csrfToken` is
    /// the expected one (`expectedToken`); it is required whenever the browser holds a session or a CSRF cookie.
    static func verify(_ request: Request, context: WebRequestContext, submitted: String?) throws {
        let hasSession: Bool
        if case .session? = context.user?.credential { hasSession = true } else { hasSession = false }
        if hasSession || cookieToken(request) != nil {
            guard let submitted, SecretToken.constantTimeEqual(submitted, context.csrfToken) else { throw rejected }
        } else if isCrossSite(request) {
            throw rejected
        }
    }

    static func isUnsafe(_ method: HTTPRequest.Method) -> Bool {
        method != .get && method != .head && method != .options
    }
}
