import Hummingbird
import Storage

/// Lets through only `/media/<original|display|thumbnail>/<sha256>.<jpg|png|heic|avif|webp>` to the file middleware
/// behind it, so nothing else under `MEDIA_ROOT` (uploads in flight, dot files) is ever served. Adds `nosniff`, and
/// the type the key names (Hummingbird's table has no HEIC or AVIF, and `nosniff` needs a right one).
struct MediaPathGuard<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        var key: MediaKey?
        if path.hasPrefix("/media/") {
            key = MediaKey(path: String(path.dropFirst("/media/".count)))
            guard key != nil else { throw APIError.notFound() }
        }
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        if let key, response.status == .ok || response.status == .partialContent {
            response.headers[.contentType] = key.contentType
        }
        return response
    }
}
