import Composition
import Logging
import Metrics
import Prometheus

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

    /// Bootstraps logging and metrics once per process (the libraries and the tests never do); returns the
    /// registry `/metrics` reads.
    static func bootstrapObservability(_ configuration: Configuration) -> PrometheusCollectorRegistry {
        let level = configuration.logLevel
        switch configuration.logFormat {
        case .text:
            LoggingSystem.bootstrap { label in TextLogHandler(label: label, logLevel: level) }
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, logLevel: level) }
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
