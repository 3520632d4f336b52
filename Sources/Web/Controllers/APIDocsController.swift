import Foundation
import Hummingbird
import NIOCore

/// `GET /api/openapi.json` (the OpenAPI 3.1 document, `Public/api/openapi.json`, made from `docs/openapi.yaml` by
/// `scripts/openapi`) and `GET /api` (Swagger UI over it, vendored under `Public/vendor/swagger-ui`).
/// Both files are read once at start; they are open to everyone, like the login page.
struct APIDocsController<Context: RequestContext>: Sendable {
    /// The document's bytes, or nil when this installation has no `Public/api` (answered 404).
    let document: ByteBuffer?
    /// The page's bytes, likewise.
    let page: ByteBuffer?

    init(publicDirectory: String) {
        func read(_ name: String) -> ByteBuffer? {
            (try? Data(contentsOf: URL(fileURLWithPath: publicDirectory + "/api/" + name))).map {
                ByteBuffer(bytes: $0)
            }
        }
        document = read("openapi.json")
        page = read("index.html")
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/api/openapi.json") { _, _ in
            try Self.answer(document, type: "application/json; charset=utf-8")
        }
        router.get("/api") { _, _ in try Self.answer(page, type: "text/html; charset=utf-8") }
    }

    static func answer(_ body: ByteBuffer?, type: String) throws -> Response {
        guard let body else { throw APIError.notFound("This installation has no API document (Public/api).") }
        // Revalidated on every use: the document changes with the server's version.
        return Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: body))
    }
}
