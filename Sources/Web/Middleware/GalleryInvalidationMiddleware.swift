import Cache
import Hummingbird

/// Bumps the gallery generation after every successful change made over HTTP (uploads, deletes, moves, albums),
/// so cached grids never outlive the change on any server sharing the cache.
struct GalleryInvalidationMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext
    let cache: any Cache

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let response = try await next(request, context)
        if CSRFPolicy.isUnsafe(request.method), response.status.code < 400 { await GalleryCache.invalidate(cache) }
        return response
    }
}
