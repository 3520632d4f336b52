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
        commandName: "dev",
        abstract: "Migrate, then serve on 127.0.0.1:8000 with an in-process worker (SQLite, ./media).")

    @OptionGroup var options: AllOptions
    var settings: Settings { options.settings }

    @Flag(name: .customLong("no-auth"), help: "Serve without sign-in even on a HOST other machines can reach.")
    var noAuth = false

    func run() async throws {
        var settings = settings
        if noAuth { settings.server?.authRequired = "false" }
        try await Runtime.run(settings, role: "app dev") { configuration, registry, logger in
            let tracing = try Runtime.bootstrapTracing(configuration, role: "app dev", logger: logger)
            try await Runtime.with(configuration, migrate: true, logger: logger) { runtime in
                let wake = WakeSignal()
                let app = try await runtime.webApplication(
                    metrics: registry, wake: wake, inProcessWorker: true,
                    extraServices: tracing + runtime.relayServices(wake: wake) + runtime.workerServices(wake: wake)
                        + runtime.metricsServices(registry))
                print("Memories is running at http://\(configuration.host):\(configuration.port)/ (Ctrl-C to stop)")
                try await app.runService()
            }
        }
    }
}

/// `app serve`: the HTTP server alone; the schema must be current.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve pages, uploads, static and media files over HTTP.")

    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    @OptionGroup(title: StorageOptions.title) var storage: StorageOptions
    @OptionGroup(title: ListenOptions.title) var listen: ListenOptions
    @OptionGroup(title: ServerOptions.title) var server: ServerOptions
    @OptionGroup(title: ImageLimitOptions.title) var imageLimits: ImageLimitOptions
    @OptionGroup(title: QueueOptions.title) var queue: QueueOptions
    @OptionGroup(title: CacheOptions.title) var cache: CacheOptions
    @OptionGroup(title: PasswordOptions.title) var passwords: PasswordOptions
    @OptionGroup(title: TrashOptions.title) var trash: TrashOptions
    var settings: Settings {
        Settings(
            process: process, database: database, storage: storage, listen: listen, server: server,
            imageLimits: imageLimits, queue: queue, cache: cache, passwords: passwords, trash: trash)
    }

    func run() async throws {
        try await Runtime.run(settings, role: "app serve") { configuration, registry, logger in
            let tracing = try Runtime.bootstrapTracing(configuration, role: "app serve", logger: logger)
            try await Runtime.with(configuration, migrate: false, logger: logger) { runtime in
                // The outbox relay runs here, beside the uploads that write the outbox: an upload wakes it.
                let wake = WakeSignal()
                let app = try await runtime.webApplication(
                    metrics: registry, wake: wake,
                    extraServices: tracing + runtime.relayServices(wake: wake) + runtime.metricsServices(registry))
                try await app.runService()
            }
        }
    }
}

/// `app worker`: claims thumbnail jobs and runs the image pipeline until SIGTERM, which drains it.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Claim thumbnail jobs and run the image pipeline (--concurrency N).")

    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    @OptionGroup(title: StorageOptions.title) var storage: StorageOptions
    @OptionGroup(title: ListenOptions.title) var listen: ListenOptions
    @OptionGroup(title: ImageLimitOptions.title) var imageLimits: ImageLimitOptions
    @OptionGroup(title: ImagingOptions.title) var imaging: ImagingOptions
    @OptionGroup(title: QueueOptions.title) var queue: QueueOptions
    @OptionGroup(title: WorkerOptions.title) var worker: WorkerOptions
    @OptionGroup(title: CacheOptions.title) var cache: CacheOptions
    @OptionGroup(title: TrashOptions.title) var trash: TrashOptions
    var settings: Settings {
        Settings(
            process: process, database: database, storage: storage, listen: listen, imageLimits: imageLimits,
            imaging: imaging, queue: queue, worker: worker, cache: cache, trash: trash)
    }

    func run() async throws {
        try await Runtime.run(settings, role: "app worker") { configuration, registry, logger in
            let tracing = try Runtime.bootstrapTracing(configuration, role: "app worker", logger: logger)
            try await Runtime.with(configuration, migrate: false, logger: logger) { runtime in
                let group = ServiceGroup(
                    configuration: .init(
                        services: tracing + runtime.metricsServices(registry)
                            + runtime.workerServices(wake: WakeSignal()),
                        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                try await group.run()
            }
        }
    }
}

/// `app migrate`: applies `Migrations/` in order, once.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    var settings: Settings { Settings(process: process, database: database) }

    func run() async throws {
        try await Runtime.run(settings, role: "app migrate") { configuration, _, logger in
            let database = try await DatabaseBackend.open(configuration, logger: logger)
            let applied = try await database.run { try await database.migrate() }
            print(
                applied.isEmpty
                    ? "migrations: the database is current" : "migrations: applied \(applied.joined(separator: ", "))")
        }
    }
}
