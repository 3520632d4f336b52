import HTTPTypes
import Hummingbird
import Storage

/// Puts the browser-hardening headers on every answer, errors included: `nosniff` and a referrer policy everywhere,
/// a strict Content-Security-Policy on pages, and `Content-Disposition: attachment` on originals so an uploaded
/// file is never rendered as a page of this site.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let headers: SecurityHeaders

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        headers.apply(to: &response.headers, path: request.uri.path)
        return response
    }
}

/// The hardening headers themselves, shared by the middleware and the static-file fast path.
struct SecurityHeaders: Sendable {
    /// The policy for HTML answers; `img-src` also names the media origin when media live on object storage.
    let contentSecurityPolicy: String

    init(mediaOrigins: [String]) {
        contentSecurityPolicy = Self.policy(mediaOrigins: mediaOrigins)
    }

    /// `default-src 'self'` with no inline script or style, no framing, forms posting only here.
    static func policy(mediaOrigins: [String]) -> String {
        // data: for the placeholders app.js paints (ThumbHash rendered to a tiny PNG in the page).
        let images = (["'self'", "data:"] + mediaOrigins).joined(separator: " ")
        return [
            "default-src 'self'", "img-src \(images)", "script-src 'self'", "style-src 'self'", "object-src 'none'",
            "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'",
        ].joined(separator: "; ")
    }

    /// Adds the headers an answer to `path` gets.
    func apply(to headers: inout HTTPFields, path: some StringProtocol) {
        headers[.xContentTypeOptions] = "nosniff"
        if path.hasPrefix("/s/") {
            // The token is the link's whole secret: never send it on as a referrer, never let it be indexed.
            headers[Self.referrerPolicy] = "no-referrer"
            headers[Self.robotsTag] = "noindex, nofollow"
        } else {
            headers[Self.referrerPolicy] = "same-origin"
        }
        if let type = headers[.contentType], Self.isHTML(type) {
            headers[.contentSecurityPolicy] = contentSecurityPolicy
            headers[Self.frameOptions] = "DENY"
        }
        if path.hasPrefix("/media/original/") {
            headers[.contentDisposition] = "attachment"
        }
    }

    /// True for `text/html` with any parameters, in any case (checked without making a lowercased copy).
    static func isHTML(_ contentType: String) -> Bool {
        let prefix = "text/html".utf8
        let type = contentType.utf8
        guard type.count >= prefix.count else { return false }
        return zip(type, prefix).allSatisfy { byte, expected in byte | 0x20 == expected | 0x20 }
    }

    static var referrerPolicy: HTTPField.Name { HTTPField.Name("Referrer-Policy")! }
    static var frameOptions: HTTPField.Name { HTTPField.Name("X-Frame-Options")! }
    static var robotsTag: HTTPField.Name { HTTPField.Name("X-Robots-Tag")! }
}
