import HTTPTypes
import Hummingbird

/// Gives every request its CSRF token (setting the cookie when the browser has none) and checks unsafe requests.
/// Multipart uploads carry the token as a form field after the files' bytes, so `POST /photos` checks it itself
/// once the body is read; every other unsafe request is checked here before its handler runs. Requests signed with an
/// API token (`Authorization: Bearer`, resolved by `AuthMiddleware` before this) are exempt: they carry no cookies.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext

    /// URL-encoded forms are small; anything larger is not one of ours.
    static let maxFormBytes = 64 * 1024

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var request = request
        var context = context
        let (expected, existing) = CSRFPolicy.expectedToken(request, user: context.user)
        context.csrfToken = expected
        // A bearer token is never sent by a browser on its own, so a forged cross-site form cannot carry one.
        if CSRFPolicy.isUnsafe(request.method), context.user?.isBearer != true {
            let type = HeaderParameters(request.headers[.contentType] ?? "").value
            if let header = request.headers[CSRFPolicy.headerName] {
                try CSRFPolicy.verify(request, context: context, submitted: header)
            } else if type == "multipart/form-data" {
                // Checked by the upload handler with the form's csrf_token field.
            } else if type == "application/x-www-form-urlencoded" {
                let body = try await request.collectBody(upTo: Self.maxFormBytes)
                try CSRFPolicy.verify(request, context: context, submitted: FormFields(body)[CSRFPolicy.fieldName])
            } else {
                try CSRFPolicy.verify(request, context: context, submitted: nil)
            }
        }
        var response = try await next(request, context)
        if existing == nil {
            // The anonymous token (a signed-in browser's pages carry the session-bound one, but keep a cookie for
            // after sign-out), Secure behind a TLS-terminating proxy as the session cookie is.
            let anonymous = context.user == nil ? context.csrfToken : CSRFPolicy.newToken()
            response.setCookie(
                Cookie(
                    name: CSRFPolicy.cookieName, value: anonymous, maxAge: 365 * 24 * 3600, path: "/",
                    secure: SessionCookie.isTLS(request), httpOnly: true, sameSite: .lax))
        }
        return response
    }
}
