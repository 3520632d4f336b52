import Database
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// `GET /metrics` in Prometheus text: everything recorded through swift-metrics, plus the job queue's depth by
/// state as gauges refreshed at scrape time (one cheap grouped count), so the numbers are never stale.
public enum MetricsEndpoint {
    /// Refreshes the scrape-time gauges, then renders the registry.
    static func response(_ services: WebServices) async throws -> Response {
        await refresh(registry: services.metrics, queueStats: services.queueStats, logger: services.logger)
        return render(services.metrics)
    }

    /// Sets `memories_jobs_queue_depth{state}` from the queue; a failed count leaves the last values and is logged.
    public static func refresh(
        registry: PrometheusCollectorRegistry, queueStats: (@Sendable () async throws -> QueueStats)?, logger: Logger
    ) async {
        guard let queueStats else { return }
        do {
            let stats = try await queueStats()
            for state in JobState.allCases {
                registry.makeGauge(name: "memories_jobs_queue_depth", labels: [("state", state.rawValue)])
                    .set(Double(stats.counts[state] ?? 0))
            }
            registry.makeGauge(name: "memories_jobs_oldest_available_age_seconds")
                .set(stats.oldestAvailableAge ?? 0)
        } catch {
            logger.warning("queue depth for metrics failed", metadata: ["error": "\(error)"])
        }
    }

    static func render(_ registry: PrometheusCollectorRegistry) -> Response {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A listener serving only `GET /metrics` (`METRICS_PORT`), for `app serve` and `app worker` alike, so
    /// metrics can stay on an internal port while the main port faces the internet.
    public static func application(
        registry: PrometheusCollectorRegistry, queueStats: (@Sendable () async throws -> QueueStats)?,
        host: String, port: Int, logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in
            await refresh(registry: registry, queueStats: queueStats, logger: logger)
            return render(registry)
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Memories metrics"),
            logger: logger)
    }
}
