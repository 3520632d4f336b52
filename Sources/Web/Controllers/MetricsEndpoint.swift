import Database
import Hummingbird
import Jobs
import Logging
import NIOCore
import Prometheus

/// `GET /metrics` in Prometheus text: everything recorded through swift-metrics, plus the job queue's depth by
/// state as gauges refreshed at scrape time (one cheap grouped count), so the numbers are never stale.
public struct MetricsEndpoint: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The job queue's counts by state; nil leaves the queue gauges out.
    public let queueStats: (@Sendable () async throws -> QueueStats)?
    public let logger: Logger

    public init(
        registry: PrometheusCollectorRegistry, queueStats: (@Sendable () async throws -> QueueStats)?, logger: Logger
    ) {
        self.registry = registry
        self.queueStats = queueStats
        self.logger = logger
    }

    /// Refreshes the scrape-time gauges, then renders the registry.
    func response() async -> Response {
        await refresh()
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Sets `memories_jobs_queue_depth{state}` from the queue; a failed count leaves the last values and is logged.
    func refresh() async {
        guard let queueStats else { return }
        do {
            let stats = try await queueStats()
            for state in JobState.allCases {
                registry.makeGauge(name: "memories_jobs_queue_depth", labels: [("state", state.rawValue)])
                    .set(Double(stats.counts[state] ?? 0))
            }
            registry.makeGauge(name: "memories_jobs_oldest_available_age_seconds")
                .set(stats.oldestAvailableAge ?? 0)
            if let transport = stats.transport {
                // QUEUE=sqs: the outbox, and SQS's own counts when it answered (-1 when it did not).
                registry.makeGauge(name: "memories_jobs_outbox_depth").set(Double(transport.outboxDepth))
                registry.makeGauge(name: "memories_jobs_outbox_oldest_age_seconds").set(transport.oldestPendingAge ?? 0)
                registry.makeGauge(name: "memories_jobs_in_flight").set(Double(transport.inFlight ?? -1))
                registry.makeGauge(name: "memories_jobs_broker_waiting").set(Double(transport.waiting ?? -1))
                registry.makeGauge(name: "memories_jobs_dead_letters").set(Double(transport.deadLetters ?? -1))
            }
        } catch {
            logger.warning("queue depth for metrics failed", metadata: ["error": "\(error)"])
        }
    }

    /// A listener serving only `GET /metrics` (`METRICS_PORT`), for `app serve` and `app worker` alike, so
    /// metrics can stay on an internal port while the main port faces the internet.
    public func application(host: String, port: Int) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ in await response() }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Memories metrics"),
            logger: logger)
    }
}
