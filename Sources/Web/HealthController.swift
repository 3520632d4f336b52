import Hummingbird
import NIOCore
import Prometheus

/// `GET /healthz` (the process answers), `GET /readyz` (database, storage, schema), `GET /metrics` (Prometheus text).
struct HealthController<Context: RequestContext>: Sendable {
    let services: WebServices

    func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        router.get("/readyz") { _, _ in
            do {
                try await services.readiness()
                return JSONResponse.make(["status": "ok"])
            } catch {
                services.logger.warning("not ready", metadata: ["error": "\(error)"])
                return JSONResponse.make(ErrorJSON(error: "not_ready", message: "\(error)"), status: .serviceUnavailable)
            }
        }
        router.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            services.metrics.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
