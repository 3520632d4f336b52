import Database
import Jobs
import Logging
import ServiceLifecycle

/// The database named by `DATABASE_URL`, in either dialect, with the migrations for it: the one place the roles
/// learn which backend they run on.
package enum DatabaseBackend: Sendable {
    case sqlite(SQLiteDatabase, Migrator)
    case postgres(PostgresDatabase, Migrator)

    /// Opens the database (for PostgreSQL: builds the pool, which connects once `run` runs).
    package static func open(_ configuration: Configuration, logger: Logger) async throws -> DatabaseBackend {
        switch configuration.database {
        case .sqlite(let path):
            let migrator = Migrator(migrations: try Migration.load(from: configuration.migrationsDirectory(for: "sqlite")))
            return .sqlite(try await SQLiteDatabase.open(path: path, logger: logger), migrator)
        case .postgres(let url):
            let migrator = Migrator(migrations: try Migration.load(from: configuration.migrationsDirectory(for: "postgres")))
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

    /// The database both dialects' repositories are written over.
    package var sql: any SQLDatabase {
        switch self {
        case .sqlite(let database, _): database
        case .postgres(let database, _): database
        }
    }

    package var migrator: Migrator {
        switch self {
        case .sqlite(_, let migrator), .postgres(_, let migrator): migrator
        }
    }

    package var photos: any PhotoRepository { SQLPhotoRepository(database: sql) }
    package var albums: any AlbumRepository { SQLAlbumRepository(database: sql) }
    package var uploads: any UploadRepository { SQLUploadRepository(database: sql) }
    package var accounts: any AccountRepository { SQLAccountRepository(database: sql) }
    package var queue: any JobQueue { SQLJobQueue(database: sql, photos: photos) }

    /// Applies pending migrations; returns the versions applied.
    package func migrate() async throws -> [String] { try await migrator.migrate(sql) }

    /// The versions not yet applied.
    package func pending() async throws -> [String] { try await migrator.pending(sql) }

    /// Throws, naming `app migrate`, when the schema is behind this build.
    package func requireCurrent() async throws { try await migrator.requireCurrent(sql) }

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
