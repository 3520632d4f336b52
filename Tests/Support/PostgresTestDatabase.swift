import Database
import Foundation
import Jobs
import Logging
import PostgresNIO

/// A fresh, throwaway database per test on the server `MEMORIES_TEST_POSTGRES_URL` names
/// (`eval "$(scripts/services/postgres.sh start)"` sets it), created from `template1` and dropped afterwards,
/// so tests run in parallel without seeing each other's rows.
public struct PostgresTestDatabase: Sendable {
    /// The per-test database's URL (same server and user as the admin URL).
    public let url: PostgresURL
    public let database: Database.PostgresDatabase
    public let photos: SQLPhotoRepository
    public let queue: SQLJobQueue
    public let logger: Logger

    public init(
        url: PostgresURL, database: Database.PostgresDatabase, photos: SQLPhotoRepository, queue: SQLJobQueue,
        logger: Logger
    ) {
        self.url = url
        self.database = database
        self.photos = photos
        self.queue = queue
        self.logger = logger
    }

    /// The server to test against, or nil (after saying so) when none is configured.
    public static func adminURL() throws -> PostgresURL? {
        guard let text = ProcessInfo.processInfo.environment["MEMORIES_TEST_POSTGRES_URL"], !text.isEmpty else {
            print("skipped: MEMORIES_TEST_POSTGRES_URL not set")
            return nil
        }
        let url = try PostgresURL(parsing: text)
        // The tests create and force-drop databases: never point them at a server that is not on this machine.
        guard url.isLocalHost else {
            throw DatabaseError(.invalidURL, "refusing to run database tests against non-local host \(url.host)")
        }
        return url
    }

    /// The CA that signed the test server's certificate (`MEMORIES_TEST_POSTGRES_CA`), when set.
    public static var caFile: String? {
        ProcessInfo.processInfo.environment["MEMORIES_TEST_POSTGRES_CA"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static func makeLogger() -> Logger {
        var logger = Logger(label: "memories-test-postgres")
        logger.logLevel =
            ProcessInfo.processInfo.environment["MEMORIES_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) }
            ?? .critical
        return logger
    }

    /// The repository's Postgres migrations.
    public static func migrations() throws -> [Migration] {
        try Migration.load(from: TestWorkspace.repositoryRoot + "/Migrations/postgres")
    }

    /// Runs statements on the admin database (`CREATE`/`DROP DATABASE` cannot run in a transaction or in the
    /// database they drop).
    public static func admin(_ url: PostgresURL, _ statements: [String]) async throws {
        let admin = try Database.PostgresDatabase(url: url, poolSize: 1, logger: makeLogger())
        try await admin.withRunning {
            for statement in statements {
                _ = try await admin.query(PostgresQuery(unsafeSQL: statement))
            }
        }
    }

    /// Creates a database, runs `body` against it with its pool running, and drops it (also when `body` throws).
    /// Prints "skipped: …" and returns when `MEMORIES_TEST_POSTGRES_URL` is not set.
    public static func with(
        migrated: Bool = true, poolSize: Int = 4,
        _ body: @Sendable (PostgresTestDatabase) async throws -> Void
    ) async throws {
        guard let admin = try adminURL() else { return }
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await Self.admin(admin, ["CREATE DATABASE \(name)"])
        let url = admin.with(database: String(name))
        let logger = makeLogger()
        do {
            let database = try Database.PostgresDatabase(url: url, poolSize: poolSize, logger: logger)
            let photos = SQLPhotoRepository(database: database)
            let test = PostgresTestDatabase(
                url: url, database: database, photos: photos, queue: SQLJobQueue(database: database, photos: photos),
                logger: logger)
            try await database.withRunning {
                if migrated { try await Migrator(migrations: try migrations()).migrate(database) }
                try await body(test)
            }
        } catch {
            try? await Self.admin(admin, ["DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
            throw error
        }
        try await Self.admin(admin, ["DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
    }

    /// Runs one SQL text on the test database (test set-up: moving time, counting rows).
    public func execute(_ sql: String) async throws {
        _ = try await database.query(PostgresQuery(unsafeSQL: sql))
    }

    /// Counts rows in a table.
    public func count(_ table: String, where condition: String = "true") async throws -> Int {
        let rows = try await database.query(
            PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table) WHERE \(condition)"))
        return try rows.first?.decode(Int.self) ?? 0
    }
}
