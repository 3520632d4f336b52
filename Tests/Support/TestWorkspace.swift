import Database
import Foundation
import Imaging
import Jobs
import Logging
import Storage

/// A throwaway SQLite file and media folder, migrated with the repository's own `Migrations/sqlite`,
/// so tests run against the real database and the real folder layout, never mocks.
public final class TestWorkspace: Sendable {
    public let root: String
    public let database: SQLiteDatabase
    public let photos: SQLPhotoRepository
    public let queue: SQLJobQueue
    /// The local media folder (always made; the media store of the workspace unless another was given).
    public let store: LocalStore
    /// The store the app and worker use: `store`, or the one given to `make(store:)` (S3 against moto).
    public let mediaStore: any MediaStore
    public let logger: Logger

    /// The repository's top folder (holding Package.swift), found from this file's path.
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url = url.deletingLastPathComponent() }
        return url.path
    }()

    /// `../shared` beside the repository (or `MEMORIES_SHARED_DIR`), when it exists.
    public static var sharedDirectory: String? {
        let path =
            ProcessInfo.processInfo.environment["MEMORIES_SHARED_DIR"]
            ?? URL(fileURLWithPath: repositoryRoot).deletingLastPathComponent().appendingPathComponent("shared").path
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? path : nil
    }

    private init(
        root: String, database: SQLiteDatabase, store: LocalStore, mediaStore: (any MediaStore)?, logger: Logger
    ) {
        self.mediaStore = mediaStore ?? store
        self.root = root
        self.database = database
        self.photos = SQLPhotoRepository(database: database)
        self.queue = SQLJobQueue(database: database, photos: photos)
        self.store = store
        self.logger = logger
    }

    /// Makes a fresh workspace under the system temp folder and applies every migration.
    public static func make(store mediaStore: (any MediaStore)? = nil) async throws -> TestWorkspace {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("memories-test-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var logger = Logger(label: "memories-test")
        // Quiet by default; MEMORIES_TEST_LOG_LEVEL=debug shows what the app logs during a test.
        logger.logLevel =
            ProcessInfo.processInfo.environment["MEMORIES_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) }
            ?? .critical
        let database = try await SQLiteDatabase.open(path: root + "/data/memories.sqlite3", logger: logger)
        let migrations = try Migration.load(from: repositoryRoot + "/Migrations/sqlite")
        try await Migrator(migrations: migrations).migrate(database)
        let store = try LocalStore(root: root + "/media")
        return TestWorkspace(root: root, database: database, store: store, mediaStore: mediaStore, logger: logger)
    }

    /// Closes the database and removes the folder.
    public func tearDown() async {
        await database.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Every file under the media folder (relative paths), `.tmp` included: what a failed request must not leave.
    public func mediaFiles() -> [String] {
        let base = store.root
        let enumerator = FileManager.default.enumerator(atPath: base)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                files.append(path)
            }
        }
        return files.sorted()
    }

    /// Counts rows in a table.
    public func count(_ table: String) async throws -> Int {
        try await database.read("SELECT count(*) AS n FROM \(raw: table)").first?.decode("n") ?? 0
    }

    /// A worker over this workspace, with short intervals for tests.
    public func worker(
        wake: WakeSignal = WakeSignal(), concurrency: Int = 2, options: PipelineOptions = PipelineOptions()
    ) -> Worker {
        Worker(
            queue: queue,
            processor: ThumbnailProcessor(photos: photos, queue: queue, store: mediaStore, options: options),
            configuration: WorkerConfiguration(
                concurrency: concurrency, lease: .seconds(30), heartbeat: .seconds(5),
                minPollInterval: .milliseconds(10),
                maxPollInterval: .milliseconds(100), shutdownGrace: .seconds(5),
                workerID: "test-worker-\(UUID().uuidString.prefix(6))"),
            wake: wake, logger: logger)
    }

    /// Runs a real worker until no photo is queued or processing (or `timeout` passes), then stops it.
    public func runWorkerUntilIdle(timeout: Duration = .seconds(60), concurrency: Int = 2) async throws {
        try await Self.run(worker(concurrency: concurrency), until: photos, isIdleWithin: timeout)
    }

    /// Runs `worker` until no photo in `photos` is queued or processing (or `timeout` passes), then stops it: for a
    /// worker over another database than the workspace's (the app's PostgreSQL, say).
    public static func run(_ worker: Worker, until photos: any PhotoRepository, isIdleWithin timeout: Duration)
        async throws
    {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let pending = try await photos.photos(before: nil, limit: 10_000).filter {
                    $0.status == .queued || $0.status == .processing
                }
                if pending.isEmpty { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            group.cancelAll()
        }
    }
}
