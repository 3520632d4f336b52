import Database
import Foundation
import Jobs
import Logging
import NIOConcurrencyHelpers

/// Measures the job queue alone (no image work): latency from an enqueue call to its claim by an idle worker,
/// woken by LISTEN/NOTIFY, by a 1 s poll, and on SQLite by the worker's polling; then jobs per second through
/// claim + complete with 1, 2 and 8 claim loops. Prints a table; `scripts/bench/queue.sh` runs it.
@main
struct QueueBenchmark {
    static func main() async throws {
        try await run()
    }

    /// Off the main actor, like the app's roles.
    nonisolated static func run() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let url = arguments.first else {
            say("usage: QueueBenchmark POSTGRES_URL [latency samples] [throughput jobs]")
            return
        }
        let samples = arguments.dropFirst().first.flatMap(Int.init) ?? 200
        let jobCount = arguments.dropFirst(2).first.flatMap(Int.init) ?? 2000
        var logger = Logger(label: "queue-benchmark")
        logger.logLevel = .critical
        let migrations = try Migration.load(from: FileManager.default.currentDirectoryPath + "/Migrations/postgres")

        say(
            "Queue latency, enqueue call (insert + commit) to claim by an idle worker (\(samples) jobs, one at a time):"
        )
        say("| wake-up | p50 | p99 | max |")
        say("|---|---|---|---|")
        for mode in [LatencyMode.listen, .poll1s] {
            let database = try Database.PostgresDatabase(url: url, poolSize: 4, logger: logger)
            let figures = try await database.withRunning {
                try await Migrator(migrations: migrations).migrate(database)
                try await reset(database)
                return try await latency(
                    recorder: recorder(database),
                    listener: mode == .listen ? PostgresJobListener(database: database) : nil,
                    firstPoll: mode == .listen ? .seconds(10) : .seconds(1),
                    maxPoll: mode == .listen ? .seconds(10) : .seconds(1),
                    samples: mode == .listen ? samples : min(samples, 50))
            }
            say("| PostgreSQL, \(mode.rawValue) | \(figures.p50) | \(figures.p99) | \(figures.max) |")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("queue-bench-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let sqlite = try await SQLiteDatabase.open(path: folder + "/bench.sqlite3", logger: logger)
            let sqliteMigrations = try Migration.load(
                from: FileManager.default.currentDirectoryPath + "/Migrations/sqlite")
            try await Migrator(migrations: sqliteMigrations).migrate(sqlite)
            // `app worker` on SQLite: polls from 50 ms, doubling up to 2 s while idle.
            let figures = try await latency(
                recorder: recorder(sqlite), listener: nil,
                firstPoll: .milliseconds(50), maxPoll: .seconds(2), samples: min(samples, 50))
            say(
                "| SQLite, separate worker process (poll 50 ms → 2 s) | \(figures.p50) | \(figures.p99) | \(figures.max) |"
            )
            await sqlite.close()
        }

        say("")
        say("Throughput, claim + complete with a no-op handler (\(jobCount) jobs queued first, claims of up to 8):")
        say("| claim loops | PostgreSQL jobs/s | SQLite jobs/s |")
        say("|---|---|---|")
        for loops in [1, 2, 8] {
            let database = try Database.PostgresDatabase(url: url, poolSize: max(4, loops + 1), logger: logger)
            let postgres = try await database.withRunning {
                try await reset(database)
                return try await throughput(
                    recorder: recorder(database),
                    jobs: jobCount, loops: loops)
            }
            let sqlite = try await SQLiteDatabase.open(path: folder + "/throughput-\(loops).sqlite3", logger: logger)
            try await Migrator(
                migrations: try Migration.load(from: FileManager.default.currentDirectoryPath + "/Migrations/sqlite")
            ).migrate(sqlite)
            let lite = try await throughput(
                recorder: recorder(sqlite), jobs: jobCount, loops: loops)
            await sqlite.close()
            say("| \(loops) | \(Int(postgres)) | \(Int(lite)) |")
        }
    }

    enum LatencyMode: String {
        case listen = "LISTEN/NOTIFY (10 s poll as fallback)"
        case poll1s = "a fixed 1 s poll, no LISTEN"
    }

    static func reset(_ database: Database.PostgresDatabase) async throws {
        _ = try await database.query("TRUNCATE jobs, photos RESTART IDENTITY")
    }

    /// The queue and the upload's insert over `database`, as `app serve` and `app worker` build them.
    static func recorder(_ database: any SQLDatabase) -> UploadRecorder {
        let photos = SQLPhotoRepository(database: database)
        return UploadRecorder(
            database: database, photos: photos, queue: SQLJobQueue(database: database, photos: photos),
            maxJobAttempts: 3)
    }

    static func newPhoto(_ n: Int) -> NewPhoto {
        NewPhoto(
            hash: String(format: "%064x", n), originalName: "\(n).jpg", contentType: "image/jpeg", bytes: 1, width: 1,
            height: 1, orientation: nil, capturedAt: nil)
    }

    struct Figures: Sendable {
        var p50: String
        var p99: String
        var max: String
    }

    /// One idle claim loop, woken like `app worker` (a wake-up, or a poll that starts at `firstPoll` and doubles to
    /// `maxPoll` while nothing comes); jobs enqueued one at a time at random moments.
    static func latency(
        recorder: UploadRecorder, listener: PostgresJobListener?, firstPoll: Duration,
        maxPoll: Duration, samples: Int
    ) async throws -> Figures {
        let queue = recorder.queue
        let wake = WakeSignal()
        // Both ends are recorded by photo id: a LISTEN wake-up can claim a job before its insert call has returned.
        let committed = NIOLockedValueBox<[Int64: ContinuousClock.Instant]>([:])
        let claimed = NIOLockedValueBox<[Int64: ContinuousClock.Instant]>([:])
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let listener {
                group.addTask { try await listener.run { wake.notify() } }
                try await Task.sleep(for: .milliseconds(300))  // LISTEN is in place
            }
            group.addTask {
                var interval = firstPoll
                while !Task.isCancelled {
                    let jobs = try await queue.claim(workerID: "bench", limit: 8, lease: .seconds(60))
                    let now = ContinuousClock.now
                    for job in jobs {
                        if let photoID = job.photoID { claimed.withLockedValue { $0[photoID] = now } }
                        try await queue.complete(job)
                    }
                    if jobs.isEmpty {
                        await wake.wait(timeout: interval)
                        interval = min(interval * 2, maxPoll)
                    } else {
                        interval = firstPoll
                    }
                }
            }
            for n in 1...samples {
                // Idle gaps longer than the worker's fast polls, as real uploads arrive.
                try await Task.sleep(for: .milliseconds(Int.random(in: 100...400)))
                // Timed from the enqueue call, so the figure includes the insert's own round trip and commit.
                let start = ContinuousClock.now
                let outcome = try await recorder.record(newPhoto(n))
                committed.withLockedValue { $0[outcome.photo.id] = start }
            }
            while claimed.withLockedValue({ $0.count }) < samples { try await Task.sleep(for: .milliseconds(20)) }
            group.cancelAll()
        }
        let ends = claimed.withLockedValue { $0 }
        let delays = committed.withLockedValue { $0 }.compactMap { id, start in ends[id].map { $0 - start } }
        let sorted = delays.sorted()
        func show(_ duration: Duration) -> String { String(format: "%.1f ms", Double(duration.milliseconds)) }
        return Figures(
            p50: show(sorted[sorted.count / 2]), p99: show(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]),
            max: show(sorted.last!))
    }

    /// `jobs` queued, then `loops` claim loops drain them; jobs per second from the first claim to the last completion.
    static func throughput(recorder: UploadRecorder, jobs: Int, loops: Int) async throws -> Double {
        let queue = recorder.queue
        for n in 1...jobs { _ = try await recorder.record(newPhoto(n)) }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for loop in 0..<loops {
                group.addTask {
                    while true {
                        let claimed = try await queue.claim(workerID: "bench-\(loop)", limit: 8, lease: .seconds(60))
                        if claimed.isEmpty { return }
                        for job in claimed { try await queue.complete(job) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = Double((ContinuousClock.now - started).milliseconds) / 1000
        return Double(jobs) / seconds
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}

/// Prints a line at once (stdout into a file is block-buffered, and a run killed by a timeout would lose it all).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
