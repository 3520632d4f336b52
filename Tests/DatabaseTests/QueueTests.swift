import Database
import Foundation
import MemoriesTestSupport
import Testing

/// The SQLite queue's claim state machine against a real database file.
@Suite("SQLite job queue")
struct QueueTests {
    static func newPhoto(_ n: Int) -> NewPhoto {
        NewPhoto(
            hash: String(repeating: String(n % 10), count: 64), originalName: "p\(n).jpg", contentType: "image/jpeg",
            bytes: 100, width: 10, height: 10, orientation: 1, capturedAt: nil)
    }

    @Test("claims respect the limit, count the attempt and move the photo to processing")
    func claim() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        for n in 1...3 { _ = try await workspace.photos.insertWithThumbnailJob(Self.newPhoto(n), maxAttempts: 3) }
        let first = try await workspace.queue.claim(workerID: "a", limit: 2, lease: .seconds(30))
        #expect(first.map(\.id) == [1, 2])
        #expect(first.allSatisfy { $0.attempt == 1 && $0.workerID == "a" })
        #expect(try await workspace.photos.photo(id: 1)?.status == .processing)
        let second = try await workspace.queue.claim(workerID: "b", limit: 5, lease: .seconds(30))
        #expect(second.map(\.id) == [3])
        #expect(try await workspace.queue.claim(workerID: "c", limit: 5, lease: .seconds(30)).isEmpty)
    }

    @Test("an expired lease is claimed again; the old holder can no longer complete it")
    func expiredLease() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        _ = try await workspace.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
        let lost = try #require(try await workspace.queue.claim(workerID: "dead", limit: 1, lease: .milliseconds(1)).first)
        try await Task.sleep(for: .milliseconds(20))
        let again = try #require(try await workspace.queue.claim(workerID: "alive", limit: 1, lease: .seconds(30)).first)
        #expect(again.id == lost.id && again.attempt == 2)
        let info = DerivativeInfo(fileExtension: "jpg", width: 1, height: 1, bytes: 1)
        #expect(try await workspace.photos.markReady(photoID: 1, display: info, thumbnail: info, completing: lost) == false)
        #expect(try await workspace.photos.markReady(photoID: 1, display: info, thumbnail: info, completing: again) == true)
        #expect(try await workspace.photos.photo(id: 1)?.status == .ready)
        #expect(try await workspace.queue.stats().counts[.done] == 1)
    }

    @Test("a job that kills its worker every time is quarantined after max attempts")
    func poisonJob() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        _ = try await workspace.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 2)
        for _ in 1...2 {
            #expect(try await workspace.queue.claim(workerID: "w", limit: 1, lease: .milliseconds(1)).count == 1)
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await workspace.queue.claim(workerID: "w", limit: 1, lease: .seconds(1)).isEmpty)
        let photo = try #require(try await workspace.photos.photo(id: 1))
        #expect(photo.status == .failed)
        #expect(photo.error == "worker died 2 times while running this job")
    }

    @Test("retry waits for run_at; release gives the job back without counting the attempt; fail records the reason")
    func retryReleaseFail() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        _ = try await workspace.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
        let job = try #require(try await workspace.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
        try await workspace.queue.retry(job, error: "connection reset", runAt: Date().addingTimeInterval(60))
        #expect(try await workspace.photos.photo(id: 1)?.status == .queued)
        #expect(try await workspace.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).isEmpty)
        // Time passes: the job comes due.
        _ = try await workspace.database.write { try await $0.query("UPDATE jobs SET run_at = run_at - 61000") }
        let second = try #require(try await workspace.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
        #expect(second.attempt == 2)
        try await workspace.queue.release(second)
        let third = try #require(try await workspace.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
        #expect(third.attempt == 2)
        try await workspace.queue.fail(third, error: "not a JPEG")
        let photo = try #require(try await workspace.photos.photo(id: 1))
        #expect(photo.status == .failed && photo.error == "not a JPEG")
        let stats = try await workspace.queue.stats()
        #expect(stats.counts[.failed] == 1 && stats.counts[.available] == 0)
    }

    @Test("a retry after the last attempt fails the job")
    func retriesRunOut() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        _ = try await workspace.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 1)
        let job = try #require(try await workspace.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
        try await workspace.queue.retry(job, error: "timeout", runAt: Date())
        #expect(try await workspace.photos.photo(id: 1)?.status == .failed)
        #expect(try await workspace.photos.photo(id: 1)?.error?.contains("gave up after 1 attempts") == true)
    }

    @Test("failed jobs are listed newest first with reasons; retrying by id or all puts them back with fresh attempts")
    func failedJobsAndRetry() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        for n in 1...3 { _ = try await workspace.photos.insertWithThumbnailJob(Self.newPhoto(n), maxAttempts: 3) }
        let jobs = try await workspace.queue.claim(workerID: "w", limit: 3, lease: .seconds(30))
        for job in jobs { try await workspace.queue.fail(job, error: "broken \(job.id)") }
        let failed = try await workspace.queue.failedJobs(limit: 2)
        #expect(failed.count == 2)
        #expect(failed.first?.error?.hasPrefix("broken") == true && failed.first?.attempts == 1)
        #expect(try await workspace.queue.retryFailed(.ids([1, 999])) == 1)
        #expect(try await workspace.photos.photo(id: 1)?.status == .queued)
        #expect(try await workspace.photos.photo(id: 1)?.error == nil)
        #expect(try await workspace.queue.retryFailed(.all) == 2)
        let again = try await workspace.queue.claim(workerID: "w", limit: 5, lease: .seconds(30))
        #expect(again.count == 3 && again.allSatisfy { $0.attempt == 1 })
        #expect(try await workspace.queue.failedJobs(limit: 10).isEmpty)
    }

    @Test("the same hash is recorded once, with one job")
    func uniqueHash() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        let first = try await workspace.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
        let second = try await workspace.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
        #expect(first.isNew && !second.isNew && first.photo.id == second.photo.id)
        #expect(try await workspace.count("jobs") == 1)
    }
}
