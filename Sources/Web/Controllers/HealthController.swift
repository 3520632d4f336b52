import Database
import Hummingbird
import NIOCore
import Prometheus
import Storage

/// `GET /healthz` (the process answers), `GET /readyz` (database, storage, schema), `GET /metrics` (Prometheus text).
struct HealthController<Context: RequestContext>: Sendable {
    /// Throws when the database or storage is not ready: unreachable, or migrations behind.
    let readiness: @Sendable () async throws -> Void
    /// What `GET /metrics` shows.
    let metrics: MetricsEndpoint
    /// False when `/metrics` has its own listener (`METRICS_PORT`).
    var serveMetrics = true

    func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in JSONResponse.make(["status": "ok"]) }
        router.get("/readyz") { _, context in
            do {
                try await readiness()
                return JSONResponse.make(["status": "ok"])
            } catch {
                // The details (hosts, SQL, paths) go to the log; the client learns only which part is not ready.
                context.logger.warning("not ready", metadata: ["error": "\(error)"])
                return JSONResponse.make(
                    ErrorJSON(error: "not_ready", message: Self.reason(error)), status: .serviceUnavailable)
            }
        }
        if serveMetrics {
            router.get("/metrics") { _, _ in await metrics.response() }
        }
    }

    /// One generic sentence per component, safe to show to anyone.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as DatabaseError where error.code == .migrationsPending:
            return "The database schema is behind this version: run app migrate."
        case is DatabaseError: return "The database is not reachable."
        case is StorageError: return "The media storage is not reachable."
        default: return "A dependency is not ready."
        }
    }
}
