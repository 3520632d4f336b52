import AsyncHTTPClient
import Database
import Foundation
import Imaging
import Jobs
import Logging
import Metrics
import Prometheus
import Storage
import Web

/// The parts one process runs with, built from the configuration: the composition root shared by the roles.
struct Runtime: Sendable {
    let configuration: Configuration
    let database: SQLiteDatabase
    let migrator: SQLiteMigrator
    let photos: SQLitePhotoRepository
    let queue: SQLiteJobQueue
    let store: any MediaStore
    /// The HTTP client of the S3 store, shut down by `close()`.
    let httpClient: HTTPClient?
    let logger: Logger

    /// Resolves a role's configuration and bootstraps logging and metrics; a bad setting becomes the exit error,
    /// one line per problem.
    static func prepare(_ settings: Settings, role: String) throws -> (Configuration, PrometheusCollectorRegistry, Logger) {
        let configuration: Configuration
        do { configuration = try Configuration(settings: settings) } catch { throw Failure.report(error, role: role) }
        let registry = bootstrapObservability(configuration)
        return (configuration, registry, Logger(label: "memories"))
    }

    /// Bootstraps logging and metrics once per process; returns the registry `/metrics` reads.
    static func bootstrapObservability(_ configuration: Configuration) -> PrometheusCollectorRegistry {
        let level = configuration.logLevel
        switch configuration.logFormat {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, logLevel: level) }
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// Opens the database and the store. With `migrate`, applies pending migrations; otherwise refuses a schema that is behind.
    static func open(_ configuration: Configuration, migrate: Bool, logger: Logger) async throws -> Runtime {
        let (database, migrator) = try await openDatabase(configuration, logger: logger)
        do {
            if migrate {
                let applied = try await migrator.migrate(database)
                if !applied.isEmpty { logger.info("migrations applied", metadata: ["migrations": "\(applied.joined(separator: ", "))"]) }
            } else {
                try await migrator.requireCurrent(database)
            }
            let (store, httpClient) = try openStore(configuration, logger: logger)
            return Runtime(
                configuration: configuration, database: database, migrator: migrator,
                photos: SQLitePhotoRepository(database: database), queue: SQLiteJobQueue(database: database),
                store: store, httpClient: httpClient, logger: logger)
        } catch {
            await database.close()
            throw error
        }
    }


    /// Opens the media store named by `STORAGE`; for S3 also the HTTP client it talks through.
    static func openStore(_ configuration: Configuration, logger: Logger) throws -> (any MediaStore, HTTPClient?) {
        switch configuration.storage {
        case .local:
            let store = try LocalStore(root: configuration.mediaRoot, baseURL: configuration.mediaURL)
            let removed = try store.removeStaleTemporaryFiles()
            if removed > 0 { logger.info("removed stale upload files", metadata: ["count": "\(removed)"]) }
            return (store, nil)
        case .s3(let s3):
            // A short connect timeout keeps /readyz and uploads answering promptly when the store is down.
            var clientConfiguration = HTTPClient.Configuration(timeout: .init(connect: .seconds(3), read: .seconds(60)))
            clientConfiguration.decompression = .disabled
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            do {
                return (try S3Store(configuration: s3, httpClient: client, logger: logger), client)
            } catch {
                try? client.syncShutdown()
                throw error
            }
        }
    }

    /// Closes the database and the store's HTTP client.
    func close() async {
        await database.close()
        try? await httpClient?.shutdown()
    }

    /// Opens the database named by `DATABASE_URL` with the migrations for its dialect.
    static func openDatabase(_ configuration: Configuration, logger: Logger) async throws -> (SQLiteDatabase, SQLiteMigrator) {
        guard case .sqlite(let path) = configuration.database else {
            throw DatabaseError(.invalidURL, "PostgreSQL is not supported by this version yet; use sqlite:PATH")
        }
        let migrator = SQLiteMigrator(migrations: try Migration.load(from: configuration.migrationsDirectory))
        return (try await SQLiteDatabase.open(path: path, logger: logger), migrator)
    }

    func webServices(wake: WakeSignal, metrics: PrometheusCollectorRegistry) -> WebServices {
        let photos = self.photos
        let store = self.store
        let database = self.database
        let migrator = self.migrator
        return WebServices(
            photos: photos, store: store, wake: wake, metrics: metrics,
            readiness: {
                try await photos.checkHealth()
                try await migrator.requireCurrent(database)
                try await store.checkHealth()
            },
            logger: logger)
    }

    var webConfiguration: WebConfiguration {
        WebConfiguration(
            maxUploadBytes: configuration.maxUploadBytes, maxPixels: configuration.maxPixels,
            serveStatic: configuration.serveStatic, serveMedia: configuration.serveMedia,
            publicDirectory: configuration.publicDirectory, templatesDirectory: configuration.templatesDirectory,
            mediaRoot: (store as? LocalStore)?.root, maxJobAttempts: configuration.maxAttempts)
    }

    func worker(wake: WakeSignal) -> Worker {
        let host = ProcessInfo.processInfo.hostName
        let id = "\(host):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
        return Worker(
            queue: queue,
            processor: ThumbnailProcessor(photos: photos, store: store, options: configuration.pipeline),
            configuration: WorkerConfiguration(concurrency: configuration.concurrency, workerID: id),
            wake: wake, logger: logger)
    }
}
