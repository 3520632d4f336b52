import ArgumentParser
import Composition
import Logging
import Metrics
import OTel
import Prometheus
import ServiceLifecycle
import Tracing

extension Runtime {
    /// Resolves a role's configuration and bootstraps logging and metrics; a bad setting becomes the exit error,
    /// one line per problem.
    static func prepare(
        _ settings: Settings, role: String
    ) throws -> (Configuration, PrometheusCollectorRegistry, Logger) {
        let configuration: Configuration
        do {
            configuration = try Configuration(settings: settings, authRequiredByDefault: role != "app dev")
        } catch {
            throw Failure.report(error, role: role)
        }
        let registry = bootstrapObservability(configuration)
        return (configuration, registry, Logger(label: "memories"))
    }

    /// Runs a role's `body` with its configuration, metrics registry and logger; an error it throws becomes the
    /// role's one readable line and exit 1 (an `ExitCode` passes as it is).
    static func run(
        _ settings: Settings, role: String,
        _ body: (Configuration, PrometheusCollectorRegistry, Logger) async throws -> Void
    ) async throws {
        let (configuration, registry, logger) = try prepare(settings, role: role)
        do {
            try await body(configuration, registry, logger)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw Failure.report(error, role: role)
        }
    }

    /// Bootstraps logging and metrics once per process (the libraries and the tests never do); returns the
    /// registry `/metrics` reads.
    static func bootstrapObservability(_ configuration: Configuration) -> PrometheusCollectorRegistry {
        let level = configuration.logLevel
        // swift-otel's provider: `trace_id` and `span_id` of the span in the task's context, on every line logged
        // within it (nothing where no span is, as with tracing off).
        let spans = OTel.makeLoggingMetadataProvider()
        switch configuration.logFormat {
        case .text:
            LoggingSystem.bootstrap(
                { label, provider in TextLogHandler(label: label, logLevel: level, metadataProvider: provider) },
                metadataProvider: spans)
        case .json:
            LoggingSystem.bootstrap(
                { label, provider in JSONLogHandler(label: label, logLevel: level, metadataProvider: provider) },
                metadataProvider: spans)
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// With an OTLP endpoint set, bootstraps the tracer (OTLP/HTTP protobuf export through a batch span processor)
    /// and returns the service that runs the processor: put it first in the role's service group, so it starts
    /// before and stops after the rest and its last spans are flushed on SIGTERM. Otherwise the no-op tracer stays
    /// and nothing runs. Logs and metrics stay ours (the log handlers, Prometheus).
    static func bootstrapTracing(_ configuration: Configuration, role: String, logger: Logger) throws -> [any Service] {
        guard configuration.tracing.enabled else { return [] }
        var otel = OTel.Configuration.default
        otel.serviceName = configuration.tracing.serviceName(role: role)
        // Its own complaints (a collector that is down) go through our handlers, in our format; its notes on
        // every variable it read only with OTEL_LOG_LEVEL=info.
        otel.diagnosticLogger = .custom(logger)
        otel.diagnosticLogLevel = .warning
        // A collector that is down must not hold up a SIGTERM for the SDK's 30 s (OTEL_BSP_EXPORT_TIMEOUT still wins).
        otel.traces.batchSpanProcessor.exportTimeout = .seconds(5)
        otel.logs.enabled = false
        otel.metrics.enabled = false
        otel.traces.exporter = .otlp
        otel.traces.otlpExporter.protocol = .httpProtobuf
        // swift-otel also reads the standard variables (OTEL_EXPORTER_OTLP_*, OTEL_BSP_*, OTEL_TRACES_SAMPLER…).
        let backend = try OTel.makeTracingBackend(configuration: otel)
        InstrumentationSystem.bootstrap(backend.factory)
        return [backend.service]
    }
}
