import Foundation
import HTTPTypes
import Hummingbird

/// What anonymous visitors may do when sign-in is required: sign in, check health, and (with a public gallery)
/// look. Everything else is answered 401 JSON for scripts, or a 303 to the login page for browsers.
enum AccessPolicy {
    /// Paths anyone may reach, whatever the method: signing in and out, the probes operators and load balancers
    /// use, and the API's document and its page (they describe the API, they open nothing). Static files and media
    /// never reach this check (`isFilePath`).
    static let openPaths: Set<String> = [
        "/login", "/logout", "/healthz", "/readyz", "/metrics", "/api", "/api/openapi.json",
    ]

    /// Static files and media: served to anyone (media names are unguessable content hashes).
    static func isFilePath(_ path: String) -> Bool {
        path.hasPrefix("/static/") || path.hasPrefix("/media/")
    }

    /// The answer that turns the request away, or nil when it may go on.
    static func refusal(for request: Request, context: WebRequestContext, configuration: AuthConfiguration) -> Response?
    {
        guard configuration.required, context.user == nil else { return nil }
        if openPaths.contains(request.uri.path) { return nil }
        // Share links are for people without an account; the link itself is the credential (ShareController).
        // Invite and reset links likewise: they are how someone without a working password gets in.
        if request.uri.path.hasPrefix("/s/") || request.uri.path.hasPrefix("/invite/") { return nil }
        let reading = request.method == .get || request.method == .head
        if reading && configuration.galleryPublic { return nil }
        return unauthorized(request, next: reading ? request.uri.description : "/")
    }

    /// 303 to the login page for a browser, 401 JSON (with `WWW-Authenticate: Bearer`) for everyone else.
    static func unauthorized(_ request: Request, next: String) -> Response {
        if request.wantsHTML {
            return JSONResponse.seeOther("/login?next=" + LoginRedirect.encode(next))
        }
        var response = JSONResponse.make(
            ErrorJSON(
                error: "unauthorized",
                message: "Sign in first: use the login page, or send an API token as Authorization: Bearer TOKEN."),
            status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }
}

/// The `next` parameter of the login page: only a path on this site, never an address elsewhere.
enum LoginRedirect {
    /// `next` when it is a local path (`/…` but not `//…` or `/\…`), else `/`.
    static func safe(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), next.count <= 2000,
            !next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || $0 == "\\" })
        else { return "/" }
        return next
    }

    /// Percent-encodes a path for the query string.
    static func encode(_ path: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/"
    }
}
