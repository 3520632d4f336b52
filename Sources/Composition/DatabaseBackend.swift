import Database
import Jobs
import Logging
import ServiceLifecycle

/// The database named by `DATABASE_URL`, in either dialect, with its migrations and one of each repository over it:
/// the one place the roles learn which backend they run on.
package struct DatabaseBackend: Sendable {
    package let sql: any SQLDatabase
    package let migrator: Migrator
    /// The pool, when the database is PostgreSQL: workers also listen on a connection of their own.
    let postgres: PostgresDatabase?

    package let photos: any PhotoRepository
    package let albums: any AlbumRepository
    package let uploads: any UploadRepository
    package let accounts: any AccountRepository
    package let shareLinks: any ShareLinkRepository
    package let queue: any JobQueue

    init(sql: any SQLDatabase, postgres: PostgresDatabase?, migrator: Migrator) {
        self.sql = sql
        self.postgres = postgres
        self.migrator = migrator
        let photos = SQLPhotoRepository(database: sql)
        self.photos = photos
        albums = SQLAlbumRepository(database: sql)
        uploads = SQLUploadRepository(database: sql)
        accounts = SQLAccountRepository(database: sql)
        shareLinks = SQLShareLinkRepository(database: sql)
        queue = SQLJobQueue(database: sql, photos: photos)
    }

    /// Opens the database (for PostgreSQL: builds the pool, which connects once `run` runs).
    package static func open(_ configuration: Configuration, logger: Logger) async throws -> DatabaseBackend {
        switch configuration.database {
        case .sqlite(let path):
            let migrations = try Migration.load(from: configuration.migrationsDirectory(for: "sqlite"))
            return DatabaseBackend(
                sql: try await SQLiteDatabase.open(path: path, logger: logger), postgres: nil,
                migrator: Migrator(migrations: migrations))
        case .postgres(let url):
            let migrations = try Migration.load(from: configuration.migrationsDirectory(for: "postgres"))
            let database = try PostgresDatabase(
                url: url, poolSize: configuration.databasePoolSize, caFile: configuration.databaseCAFile,
                operationTimeout: configuration.databaseTimeout, logger: logger)
            return DatabaseBackend(sql: database, postgres: database, migrator: Migrator(migrations: migrations))
        }
    }

    /// Runs `body` while the database is usable, then closes it.
    package func run<T>(_ body: () async throws -> T) async throws -> T {
        try await sql.whileOpen(body)
    }

    /// Applies pending migrations; returns the versions applied.
    package func migrate() async throws -> [String] { try await migrator.migrate(sql) }

    /// The versions not yet applied.
    package func pending() async throws -> [String] { try await migrator.pending(sql) }

    /// Throws, naming `app migrate`, when the schema is behind this build.
    package func requireCurrent() async throws { try await migrator.requireCurrent(sql) }

    /// The service that wakes the worker on `NOTIFY` (PostgreSQL); nil for SQLite, where the worker polls.
    package func jobListener(wake: WakeSignal) -> JobListenerService? {
        postgres.map { JobListenerService(listener: PostgresJobListener(database: $0), wake: wake) }
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
