import ArgumentParser
import Composition
import Foundation
import Hummingbird
import Imaging
import Jobs
import Logging
import ServiceLifecycle

/// `app dev`: the laptop setup. Migrates, then serves with an in-process worker; SQLite and `./media` by default.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Migrate, then serve on 127.0.0.1:8000 with an in-process worker (SQLite, ./media).")

    @OptionGroup var settings: Settings

    func run() async throws {
        let role = "app dev"
        let (configuration, registry, logger) = try Runtime.prepare(settings, role: role)
        do {
            try await Runtime.with(configuration, migrate: true, logger: logger) { runtime in
                let wake = WakeSignal()
                let app = try await runtime.webApplication(
                    metrics: registry, wake: wake, inProcessWorker: true,
                    extraServices: runtime.workerServices(wake: wake) + runtime.metricsServices(registry))
                print("Memories is running at http://\(configuration.host):\(configuration.port)/ (Ctrl-C to stop)")
                try await app.runService()
            }
        } catch {
            throw Failure.report(error, role: role)
        }
    }
}

/// `app serve`: the HTTP server alone; the schema must be current.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve pages, uploads, static and media files over HTTP.")

    @OptionGroup var settings: Settings

    func run() async throws {
        let role = "app serve"
        let (configuration, registry, logger) = try Runtime.prepare(settings, role: role)
        do {
            try await Runtime.with(configuration, migrate: false, logger: logger) { runtime in
                let app = try await runtime.webApplication(
                    metrics: registry, extraServices: runtime.metricsServices(registry))
                try await app.runService()
            }
        } catch {
            throw Failure.report(error, role: role)
        }
    }
}

/// `app worker`: claims thumbnail jobs and runs the image pipeline until SIGTERM, which drains it.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Claim thumbnail jobs and run the image pipeline (--concurrency N).")

    @OptionGroup var settings: Settings

    func run() async throws {
        let role = "app worker"
        let (configuration, registry, logger) = try Runtime.prepare(settings, role: role)
        do {
            try await Runtime.with(configuration, migrate: false, logger: logger) { runtime in
                let group = ServiceGroup(
                    configuration: .init(
                        services: runtime.metricsServices(registry) + runtime.workerServices(wake: WakeSignal()),
                        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
            }
        } catch {
            throw Failure.report(error, role: role)
        }
    }
}

/// `app migrate`: applies `Migrations/` in order, once.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup var settings: Settings

    func run() async throws {
        let role = "app migrate"
        let (configuration, _, logger) = try Runtime.prepare(settings, role: role)
        do {
            let database = try await DatabaseBackend.open(configuration, logger: logger)
            let applied = try await database.run { try await database.migrate() }
            print(applied.isEmpty ? "migrations: the database is current" : "migrations: applied \(applied.joined(separator: ", "))")
        } catch {
            throw Failure.report(error, role: role)
        }
    }
}
