import Foundation
import Hummingbird
import Metrics

/// Counts requests by route, method and status (`memories_http_requests_total`) and times them
/// (`memories_http_request_duration_seconds`, a histogram). The route label is the route's pattern
/// (`/photos/{id}`), `/static/*` or `/media/*` for files, or `unmatched`: never a raw path, so the number
/// of series stays bounded whatever clients ask for. Sits outside the error middleware, so it sees the status
/// the client got.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let method = request.method.rawValue
        do {
            // Timed to the handler's answer; a streamed body (an album archive) is not included.
            let response = try await next(request, context)
            Self.record(route: Self.route(request, context), method: method, status: response.status.code, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            Self.record(route: Self.route(request, context), method: method, status: status, since: started)
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

    static func record(route: String, method: String, status: Int, since started: UInt64) {
        Counter(
            label: "memories_http_requests_total",
            dimensions: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        Timer(
            label: "memories_http_request_duration_seconds", dimensions: [("route", route), ("method", method)],
            preferredDisplayUnit: .seconds
        ).recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
    }
}
