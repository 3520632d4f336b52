import Database
import Jobs
import Logging
import ServiceLifecycle

/// The database named by `DATABASE_URL`, in either dialect, with the migrations for it: the one place the roles
/// learn which backend they run on.
package enum DatabaseBackend: Sendable {
    case sqlite(SQLiteDatabase, SQLiteMigrator)
    case postgres(PostgresDatabase, PostgresMigrator)

    /// Opens the database (for PostgreSQL: builds the pool, which connects once `run` runs).
    package static func open(_ configuration: Configuration, logger: Logger) async throws -> DatabaseBackend {
        switch configuration.database {
        case .sqlite(let path):
            let migrator = SQLiteMigrator(migrations: try Migration.load(from: configuration.migrationsDirectory(for: "sqlite")))
            return .sqlite(try await SQLiteDatabase.open(path: path, logger: logger), migrator)
        case .postgres(let url):
            let migrator = PostgresMigrator(
                migrations: try Migration.load(from: configuration.migrationsDirectory(for: "postgres")))
            let database = try PostgresDatabase(
                url: url, poolSize: configuration.databasePoolSize, caFile: configuration.databaseCAFile,
                operationTimeout: configuration.databaseTimeout, logger: logger)
            return .postgres(database, migrator)
        }
    }

    /// Runs `body` while the database is usable, then closes it. For PostgreSQL the pool runs beside `body`
    /// (started before, stopped after everything in it), and one direct connection is tried first so a wrong
    /// password or an unreachable server stops the start at once with a clear message.
    package func run<T>(_ body: () async throws -> T) async throws -> T {
        switch self {
        case .sqlite(let database, _):
            do {
                let result = try await body()
                await database.close()
                return result
            } catch {
                await database.close()
                throw error
            }
        case .postgres(let database, _):
            return try await database.withRunning {
                // Also gives the pool's run() the moment it needs to start before the first lease.
                try await database.checkConnection()
                return try await body()
            }
        }
    }

    package var photos: any PhotoRepository {
        switch self {
        case .sqlite(let database, _): SQLitePhotoRepository(database: database)
        case .postgres(let database, _): PostgresPhotoRepository(database: database)
        }
    }

    package var albums: any AlbumRepository {
        switch self {
        case .sqlite(let database, _): SQLiteAlbumRepository(database: database)
        case .postgres(let database, _): PostgresAlbumRepository(database: database)
        }
    }

    package var uploads: any UploadRepository {
        switch self {
        case .sqlite(let database, _): SQLiteUploadRepository(database: database)
        case .postgres(let database, _): PostgresUploadRepository(database: database)
        }
    }

    package var accounts: any AccountRepository {
        switch self {
        case .sqlite(let database, _): SQLiteAccountRepository(database: database)
        case .postgres(let database, _): PostgresAccountRepository(database: database)
        }
    }

    package var queue: any JobQueue {
        switch self {
        case .sqlite(let database, _): SQLiteJobQueue(database: database)
        case .postgres(let database, _): PostgresJobQueue(database: database)
        }
    }

    /// Applies pending migrations; returns the versions applied.
    package func migrate() async throws -> [String] {
        switch self {
        case .sqlite(let database, let migrator): try await migrator.migrate(database)
        case .postgres(let database, let migrator): try await migrator.migrate(database)
        }
    }

    /// The versions not yet applied.
    package func pending() async throws -> [String] {
        switch self {
        case .sqlite(let database, let migrator): try await migrator.pending(database)
        case .postgres(let database, let migrator): try await migrator.pending(database)
        }
    }

    /// Throws, naming `app migrate`, when the schema is behind this build.
    package func requireCurrent() async throws {
        switch self {
        case .sqlite(let database, let migrator): try await migrator.requireCurrent(database)
        case .postgres(let database, let migrator): try await migrator.requireCurrent(database)
        }
    }

    /// The service that wakes the worker on `NOTIFY` (PostgreSQL); nil for SQLite, where the worker polls.
    package func jobListener(wake: WakeSignal) -> JobListenerService? {
        guard case .postgres(let database, _) = self else { return nil }
        return JobListenerService(listener: PostgresJobListener(database: database), wake: wake)
    }
}

/// `LISTEN` as a service: every notification (and every reconnect) wakes the worker's claim loop.
package struct JobListenerService: Service {
    package let listener: PostgresJobListener
    package let wake: WakeSignal

    package func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await listener.run { wake.notify() }
        }
    }
}
