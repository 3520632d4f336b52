import Database
import Foundation
import MemoriesTestSupport
import Storage
import Testing

@testable import Jobs

/// A transient failure, for real: the store cannot take the derivatives for a while.
@Suite("Retry with backoff")
struct RetryTests {
    @Test(
        "a transient failure puts the job back with the reason and a backoff delay, and it succeeds on the next attempt"
    )
    func transientFailureRetriesAfterBackoff() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        let photo = try await WorkerTests.enqueue(
            try TestImages.jpeg(width: 640, height: 480), name: "a.jpg", in: workspace)
        // A file where the display folder should be: every write of a display image fails until it is put back.
        let folder = workspace.store.root + "/display"
        try FileManager.default.moveItem(atPath: folder, toPath: folder + ".away")
        FileManager.default.createFile(atPath: folder, contents: Data("not a folder".utf8))

        let backoff = Backoff(base: .seconds(2), cap: .seconds(2))  // 1–2 s after the first attempt
        let worker = Worker(
            queue: workspace.queue,
            processor: ThumbnailProcessor(
                photos: workspace.photos, queue: workspace.queue, store: workspace.store, options: .init()),
            configuration: WorkerConfiguration(
                concurrency: 1, lease: .seconds(30), heartbeat: .seconds(5), minPollInterval: .milliseconds(10),
                maxPollInterval: .milliseconds(50), backoff: backoff, workerID: "retry-test"),
            wake: WakeSignal(), logger: workspace.logger)
        let workerStarted = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            defer { group.cancelAll() }

            var retried: (runAt: Int, updatedAt: String, error: String?)?
            let deadline = ContinuousClock.now + .seconds(120)  // generous: every suite runs at once on 2 cores
            while retried == nil && ContinuousClock.now < deadline {
                retried = try await workspace.database.read { connection in
                    try await connection.query(
                        "SELECT run_at, updated_at, last_error FROM jobs WHERE state = 'available' AND attempts = 1"
                    ).first.flatMap { row in
                        guard let runAt = row.column("run_at")?.integer, let updated = row.column("updated_at")?.string
                        else { return nil }
                        return (runAt, updated, row.column("last_error")?.string)
                    }
                }
                if retried == nil { try await Task.sleep(for: .milliseconds(10)) }
            }
            let job = try #require(retried, "the failed attempt was put back for a retry")
            #expect(job.error?.isEmpty == false)
            // Backoff of 50–100 % of 2 s, bounded without depending on how fast a loaded machine runs: the worker
            // chose run_at after the worker started and before it recorded the retry (updated_at).
            let recordedAt = try #require(Timestamp.parse(job.updatedAt)).timeIntervalSince1970
            let runAt = Double(job.runAt) / 1000
            #expect(runAt - workerStarted.timeIntervalSince1970 >= 0.99, "at least half the 2 s base after the start")
            #expect(runAt - recordedAt <= 2.01, "at most the 2 s base after the retry was recorded")
            let waiting = try #require(try await workspace.photos.photo(id: photo.id))
            #expect(waiting.status == .queued && waiting.error == nil)

            try FileManager.default.removeItem(atPath: folder)
            try FileManager.default.moveItem(atPath: folder + ".away", toPath: folder)
            while try await workspace.photos.photo(id: photo.id)?.status != .ready {
                guard ContinuousClock.now < deadline else {
                    Issue.record("the retry never succeeded")
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            // Not before its time: the second attempt ran after run_at.
            #expect(Date().timeIntervalSince1970 * 1000 >= Double(job.runAt))
        }
        let attempts = try await workspace.database.read { connection in
            try await connection.query("SELECT attempts, state FROM jobs").first.map {
                ($0.column("attempts")?.integer, $0.column("state")?.string)
            }
        }
        #expect(attempts?.0 == 2 && attempts?.1 == "done")
    }
}
