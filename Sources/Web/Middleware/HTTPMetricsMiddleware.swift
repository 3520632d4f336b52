import Foundation
import Hummingbird
import Metrics
import Synchronization

/// Counts requests by route, method and status (`memories_http_requests_total`) and times them
/// (`memories_http_request_duration_seconds`, a histogram). The route label is the route's pattern
/// (`/photos/{id}`), `/static/*` or `/media/*` for files, or `unmatched`: never a raw path, so the number
/// of series stays bounded whatever clients ask for. Sits outside the error middleware, so it sees the status
/// the client got.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let handles: HTTPMetricHandles

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = DispatchTime.now().uptimeNanoseconds
        let method = request.method.rawValue
        do {
            // Timed to the handler's answer; a streamed body (an album archive) is not included.
            let response = try await next(request, context)
            handles.record(
                route: Self.route(request, context), method: method, status: response.status.code, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            handles.record(route: Self.route(request, context), method: method, status: status, since: started)
            throw error
        }
    }

    /// The bounded route label for a request.
    static func route(_ request: Request, _ context: Context) -> String {
        // Hummingbird names the not-found chain (where the file middlewares run) "NotFound".
        if let pattern = context.endpointPath, pattern != "NotFound" { return pattern }
        let path = request.uri.path
        if path.hasPrefix("/static/") { return "/static/*" }
        if path.hasPrefix("/media/") { return "/media/*" }
        return "unmatched"
    }
}

/// The request counter and timer of each route, method and status, made once and reused rather than looked up in
/// the metrics factory per request. At most `limit` label sets are kept, so odd methods cannot grow it without bound.
final class HTTPMetricHandles: Sendable {
    private struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private let handles = Mutex<[Key: (counter: Counter, timer: Timer)]>([:])
    private let limit = 1000

    func record(route: String, method: String, status: Int, since started: UInt64) {
        let key = Key(route: route, method: method, status: status)
        let metrics = handles.withLock { handles in
            if let known = handles[key] { return known }
            let made = (counter: Self.counter(key), timer: Self.timer(key))
            if handles.count < limit { handles[key] = made }
            return made
        }
        metrics.counter.increment()
        metrics.timer.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
    }

    private static func counter(_ key: Key) -> Counter {
        Counter(
            label: "memories_http_requests_total",
            dimensions: [("route", key.route), ("method", key.method), ("status", String(key.status))])
    }

    private static func timer(_ key: Key) -> Timer {
        Timer(
            label: "memories_http_request_duration_seconds",
            dimensions: [("route", key.route), ("method", key.method)],
            preferredDisplayUnit: .seconds)
    }
}
