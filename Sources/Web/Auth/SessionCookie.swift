import Foundation
import HTTPTypes
import Hummingbird

/// The browser's session cookie: HttpOnly, SameSite=Lax, Secure behind a TLS-terminating proxy.
enum SessionCookie {
    static let name = "memories_session"

    /// The cookie's token when it is well formed; anything else is treated as no session.
    static func token(_ request: Request) -> String? {
        guard let value = request.cookies[name]?.value, SecretToken.isWellFormed(value, api: false) else { return nil }
        return value
    }

    /// Sets the cookie to `token` for `lifetime`.
    static func issue(_ token: String, lifetime: Duration, request: Request) -> Cookie {
        Cookie(
            name: name, value: token, maxAge: Int(lifetime.components.seconds), path: "/", secure: isTLS(request),
            httpOnly: true, sameSite: .lax)
    }

    /// Tells the browser to forget the cookie.
    static func expired(request: Request) -> Cookie {
        Cookie(
            name: name, value: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
            secure: isTLS(request),
            httpOnly: true, sameSite: .lax)
    }

    /// The request came over TLS to the proxy in front (a forged header only restricts the cookie further).
    static func isTLS(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("X-Forwarded-Proto")!] == "https"
    }
}
