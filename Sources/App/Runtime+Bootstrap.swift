import ArgumentParser
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
        switch configuration.logFormat {
        case .text: LoggingSystem.bootstrap { label in TextLogHandler(label: label, logLevel: level) }
        case .json: LoggingSystem.bootstrap { label in JSONLogHandler(label: label, logLevel: level) }
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
