import Database
import Foundation
import Jobs
import Logging

/// One migrated, throwaway database of either dialect with the repositories and the queue over it, so a contract
/// test is written once and run on both (`@Test(arguments: TestDatabase.Kind.allCases)`).
public struct TestDatabase: Sendable {
    /// Which database a test runs on.
    public enum Kind: String, Sendable, CaseIterable {
        case sqlite
        case postgres
    }

    public let database: any SQLDatabase
    public let photos: SQLPhotoRepository
    public let queue: SQLJobQueue

    public init(database: any SQLDatabase) {
        self.database = database
        photos = SQLPhotoRepository(database: database)
        queue = SQLJobQueue(database: database, photos: photos)
    }

    public var dialect: SQLDialect { database.dialect }

    /// The repository's migrations for this database's dialect.
    public var migrations: [Migration] {
        get throws {
            try Migration.load(
                from: TestWorkspace.repositoryRoot + "/Migrations/" + (dialect == .postgres ? "postgres" : "sqlite"))
        }
    }

    /// Runs `body` against a fresh database of `kind`, with every migration applied unless `migrated` is false.
    /// PostgreSQL prints "skipped: …" and returns when `MEMORIES_TEST_POSTGRES_URL` is not set.
    public static func with(
        _ kind: Kind, poolSize: Int = 4, migrated: Bool = true, _ body: @Sendable (TestDatabase) async throws -> Void
    ) async throws {
        switch kind {
        case .sqlite where !migrated:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "memories-db-\(UUID().uuidString)")
            let database = try await SQLiteDatabase.open(
                path: folder.path + "/db.sqlite3", logger: .init(label: "test"))
            defer { try? FileManager.default.removeItem(at: folder) }
            do {
                try await body(TestDatabase(database: database))
            } catch {
                await database.close()
                throw error
            }
            await database.close()
        case .sqlite:
            let workspace = try await TestWorkspace.make()
            do {
                try await body(TestDatabase(database: workspace.database))
            } catch {
                await workspace.tearDown()
                throw error
            }
            await workspace.tearDown()
        case .postgres:
            try await PostgresTestDatabase.with(migrated: migrated, poolSize: poolSize) { db in
                try await body(TestDatabase(database: db.database))
            }
        }
    }

    /// Records a photo with its thumbnail job, as an upload does.
    @discardableResult
    public func insertWithThumbnailJob(_ photo: NewPhoto, maxAttempts: Int) async throws -> InsertOutcome {
        try await UploadRecorder(database: database, photos: photos, queue: queue, maxJobAttempts: maxAttempts).record(
            photo)
    }

    /// Completes the job and marks its photo ready, as the worker does; false when the lease was lost.
    public func markReady(
        photoID: Int64, display: DerivativeInfo, thumbnail: DerivativeInfo, completing job: ClaimedJob
    ) async throws -> Bool {
        let photos = self.photos
        return try await queue.complete(job) { transaction in
            try await photos.markReady(photoID: photoID, display: display, thumbnail: thumbnail, in: transaction)
        }
    }

    /// Runs one statement of test set-up (moving time, breaking a row).
    public func execute(_ statement: SQLStatement) async throws {
        _ = try await database.write(statement)
    }

    /// Counts rows in a table.
    public func count(_ table: String, where condition: String = "1 = 1") async throws -> Int {
        try await database.read("SELECT count(*) AS n FROM \(raw: table) WHERE \(raw: condition)").first?.decode("n")
            ?? 0
    }
}

extension TestWorkspace {
    /// Records a photo with its thumbnail job, as an upload does.
    @discardableResult
    public func insertWithThumbnailJob(_ photo: NewPhoto, maxAttempts: Int) async throws -> InsertOutcome {
        try await TestDatabase(database: database).insertWithThumbnailJob(photo, maxAttempts: maxAttempts)
    }
}

extension PostgresTestDatabase {
    /// Records a photo with its thumbnail job, as an upload does.
    @discardableResult
    public func insertWithThumbnailJob(_ photo: NewPhoto, maxAttempts: Int) async throws -> InsertOutcome {
        try await TestDatabase(database: database).insertWithThumbnailJob(photo, maxAttempts: maxAttempts)
    }
}
