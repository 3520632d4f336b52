import HTTPTypes
import Hummingbird
import Storage

/// Puts the browser-hardening headers on every answer, errors included: `nosniff` and a referrer policy everywhere,
/// a strict Content-Security-Policy on pages, and `Content-Disposition: attachment` on originals so an uploaded
/// file is never rendered as a page of this site.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The policy for HTML answers; `img-src` also names the media origin when media live on object storage.
    let contentSecurityPolicy: String

    init(mediaOrigins: [String]) {
        contentSecurityPolicy = Self.policy(mediaOrigins: mediaOrigins)
    }

    /// `default-src 'self'` with no inline script or style, no framing, forms posting only here.
    static func policy(mediaOrigins: [String]) -> String {
        let images = (["'self'"] + mediaOrigins).joined(separator: " ")
        return [
            "default-src 'self'", "img-src \(images)", "script-src 'self'", "style-src 'self'", "object-src 'none'",
            "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'",
        ].joined(separator: "; ")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[Self.referrerPolicy] = "same-origin"
        if let type = response.headers[.contentType], type.lowercased().hasPrefix("text/html") {
            response.headers[.contentSecurityPolicy] = contentSecurityPolicy
            response.headers[Self.frameOptions] = "DENY"
        }
        if request.uri.path.hasPrefix("/media/original/") {
            response.headers[.contentDisposition] = "attachment"
        }
        return response
    }

    static var referrerPolicy: HTTPField.Name { HTTPField.Name("Referrer-Policy")! }
    static var frameOptions: HTTPField.Name { HTTPField.Name("X-Frame-Options")! }
}
