import Hummingbird
import Storage

/// Lets through only `/media/<original|display|thumbnail>/<sha256>.<jpg|png>` to the file middleware behind it,
/// so nothing else under `MEDIA_ROOT` (uploads in flight, dot files) is ever served. Adds `nosniff`.
struct MediaPathGuard<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        if path.hasPrefix("/media/") {
            guard MediaKey(path: String(path.dropFirst("/media/".count))) != nil else { throw APIError.notFound() }
        }
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        return response
    }
}
