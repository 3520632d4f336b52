import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The paths of the API document (`/api/openapi.json`) and the methods each has: what a 405's `Allow` names.
struct DocumentedRoutes: Sendable {
    /// Each path template split into segments (`{id}` stands for any one segment), with its methods.
    let routes: [(segments: [Substring], methods: Set<HTTPRequest.Method>)]

    /// The routes of an OpenAPI document's `paths`; none when there is no document or it cannot be read.
    init(document: ByteBuffer?) {
        guard let document,
            let object = try? JSONSerialization.jsonObject(with: Data(document.readableBytesView)) as? [String: Any],
            let paths = object["paths"] as? [String: Any]
        else {
            routes = []
            return
        }
        routes = paths.compactMap { path, item in
            guard let item = item as? [String: Any] else { return nil }
            var methods = Set(
                item.keys.filter(Self.operationKeys.contains).compactMap { HTTPRequest.Method($0.uppercased()) })
            // Hummingbird answers HEAD wherever there is a GET.
            if methods.contains(.get) { methods.insert(.head) }
            return (path.split(separator: "/"), methods)
        }
    }

    /// The keys of a path item that are operations (it also holds `parameters`, `summary`, …).
    static let operationKeys: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The documented methods of `path`, or nil when the document has no such path. Where several templates match
    /// (`/photos/bulk` and `/photos/{id}`), the one with the most literal segments wins, as in the router.
    func methods(for path: String) -> Set<HTTPRequest.Method>? {
        let segments = path.split(separator: "/")
        var best: (literals: Int, methods: Set<HTTPRequest.Method>)?
        for route in routes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { template, segment in
                template.hasPrefix("{") || template == segment
            }
            guard matches else { continue }
            let literals = route.segments.filter { !$0.hasPrefix("{") }.count
            if literals > best?.literals ?? -1 { best = (literals, route.methods) }
        }
        return best?.methods
    }
}

/// A method the router has no route for, on a path the API document names, is answered 405 with `Allow` (RFC 9110)
/// rather than 404: the path exists, the method does not. Everything else passes through untouched.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: DocumentedRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // Only the router's own "no route" error: handlers answer a missing thing with an APIError.
            guard let methods = routes.methods(for: request.uri.path), !methods.contains(request.method) else {
                throw error
            }
            var response = JSONResponse.make(
                ErrorJSON(
                    error: "method_not_allowed",
                    message: "\(request.method.rawValue) is not a method of \(request.uri.path)."),
                status: .methodNotAllowed)
            response.headers[.allow] = methods.map(\.rawValue).sorted().joined(separator: ", ")
            return response
        }
    }
}
