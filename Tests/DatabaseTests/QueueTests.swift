import Database
import Foundation
import Jobs
import MemoriesTestSupport
import Testing

/// The queue's claim state machine and the photo it moves, written once and run against a real SQLite file and a
/// real PostgreSQL server.
@Suite("Job queue")
struct QueueTests {
    static func newPhoto(_ n: Int) -> NewPhoto {
        NewPhoto(
            hash: String((String(repeating: "0", count: 64) + String(n, radix: 16)).suffix(64)),
            originalName: "p\(n).jpg", contentType: "image/jpeg",
            bytes: 100, width: 10, height: 10, orientation: 1, capturedAt: nil)
    }

    @Test(
        "claims respect the limit, count the attempt and move the photo to processing",
        arguments: TestDatabase.Kind.allCases)
    func claim(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            for n in 1...3 { try await db.insertWithThumbnailJob(Self.newPhoto(n), maxAttempts: 3) }
            #expect(try await db.photos.photo(id: 1)?.status == .queued)
            let first = try await db.queue.claim(workerID: "a", limit: 2, lease: .seconds(30))
            #expect(first.map(\.id) == [1, 2])
            #expect(first.allSatisfy { $0.attempt == 1 && $0.workerID == "a" && $0.maxAttempts == 3 })
            #expect(first.map(\.photoID) == [1, 2])
            #expect(first.first?.kind == JobKind.thumbnail)
            #expect(first.first?.payload.replacingOccurrences(of: " ", with: "") == "{\"photo_id\":1}")
            #expect(try await db.photos.photo(id: 1)?.status == .processing)
            let second = try await db.queue.claim(workerID: "b", limit: 5, lease: .seconds(30))
            #expect(second.map(\.id) == [3])
            #expect(try await db.queue.claim(workerID: "c", limit: 5, lease: .seconds(30)).isEmpty)
            let stats = try await db.queue.stats()
            #expect(stats.counts[.running] == 3 && stats.counts[.available] == 0 && stats.oldestAvailableAge == nil)
        }
    }

    @Test(
        "an expired lease is claimed again; the old holder can no longer complete it",
        arguments: TestDatabase.Kind.allCases)
    func expiredLease(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await db.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            let lost = try #require(try await db.queue.claim(workerID: "dead", limit: 1, lease: .milliseconds(1)).first)
            try await Task.sleep(for: .milliseconds(20))
            let again = try #require(try await db.queue.claim(workerID: "alive", limit: 1, lease: .seconds(30)).first)
            #expect(again.id == lost.id && again.attempt == 2)
            // The dead worker's heartbeat must not steal the lease back.
            try await db.queue.extendLeases([lost.id], workerID: "dead", lease: .seconds(60))
            #expect(try await db.count("jobs", where: "locked_by = 'alive'") == 1)
            let info = DerivativeInfo(fileExtension: "jpg", width: 1, height: 1, bytes: 1)
            #expect(try await db.markReady(photoID: 1, display: info, thumbnail: info, completing: lost) == false)
            #expect(try await db.photos.photo(id: 1)?.status == .processing)
            #expect(try await db.markReady(photoID: 1, display: info, thumbnail: info, completing: again) == true)
            let photo = try #require(try await db.photos.photo(id: 1))
            #expect(photo.status == .ready && photo.display == info && photo.thumbnail == info)
            #expect(try await db.queue.stats().counts[.done] == 1)
        }
    }

    @Test(
        "a heartbeat keeps the lease: the job is not claimed again while it is extended",
        arguments: TestDatabase.Kind.allCases)
    func heartbeat(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await db.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            let job = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .milliseconds(200)).first)
            try await db.queue.extendLeases([job.id], workerID: "w", lease: .seconds(30))
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await db.queue.claim(workerID: "other", limit: 1, lease: .seconds(30)).isEmpty)
        }
    }

    @Test(
        "a job that kills its worker every time is quarantined after max attempts",
        arguments: TestDatabase.Kind.allCases)
    func poisonJob(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await db.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 2)
            for _ in 1...2 {
                #expect(try await db.queue.claim(workerID: "w", limit: 1, lease: .milliseconds(1)).count == 1)
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(1)).isEmpty)
            let photo = try #require(try await db.photos.photo(id: 1))
            #expect(photo.status == .failed)
            #expect(photo.error == "worker died 2 times while running this job")
            #expect(try await db.queue.stats().counts[.failed] == 1)
        }
    }

    @Test(
        "retry waits for run_at; release gives the job back without counting the attempt; fail records the reason",
        arguments: TestDatabase.Kind.allCases)
    func retryReleaseFail(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await db.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            let job = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            try await db.queue.retry(job, error: "connection reset", runAt: Date().addingTimeInterval(60))
            #expect(try await db.photos.photo(id: 1)?.status == .queued)
            #expect(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).isEmpty)
            // Time passes: the job comes due.
            try await db.execute(
                "UPDATE jobs SET run_at = run_at - \(postgres: "interval '61 seconds'", sqlite: "61000")")
            #expect(try await db.queue.stats().oldestAvailableAge ?? 0 > 0)
            let second = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            #expect(second.attempt == 2)
            try await db.queue.release(second)
            #expect(try await db.photos.photo(id: 1)?.status == .queued)
            let third = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            #expect(third.attempt == 2)
            try await db.queue.fail(third, error: "not a JPEG")
            let photo = try #require(try await db.photos.photo(id: 1))
            #expect(photo.status == .failed && photo.error == "not a JPEG")
            let stats = try await db.queue.stats()
            #expect(stats.counts[.failed] == 1 && stats.counts[.available] == 0)
        }
    }

    @Test("a retry after the last attempt fails the job", arguments: TestDatabase.Kind.allCases)
    func retriesRunOut(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await db.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 1)
            let job = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            try await db.queue.retry(job, error: "timeout", runAt: Date())
            #expect(try await db.photos.photo(id: 1)?.status == .failed)
            #expect(try await db.photos.photo(id: 1)?.error?.contains("gave up after 1 attempts") == true)
        }
    }

    @Test("complete marks a job done; a stale holder changes nothing", arguments: TestDatabase.Kind.allCases)
    func complete(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await db.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            let job = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            var stale = job
            stale.workerID = "someone-else"
            #expect(try await db.queue.complete(stale) == false)
            try await db.queue.fail(stale, error: "nope")
            #expect(try await db.queue.stats().counts[.running] == 1)
            #expect(try await db.queue.complete(job) == true)
            #expect(try await db.queue.stats().counts[.done] == 1)
        }
    }

    @Test(
        "failed jobs are listed newest first with reasons; retrying by id or all puts them back with fresh attempts",
        arguments: TestDatabase.Kind.allCases)
    func failedJobsAndRetry(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            for n in 1...3 { try await db.insertWithThumbnailJob(Self.newPhoto(n), maxAttempts: 3) }
            let jobs = try await db.queue.claim(workerID: "w", limit: 3, lease: .seconds(30))
            for job in jobs { try await db.queue.fail(job, error: "broken \(job.id)") }
            let failed = try await db.queue.failedJobs(limit: 2)
            #expect(failed.count == 2)
            #expect(failed.first?.error?.hasPrefix("broken") == true && failed.first?.attempts == 1)
            #expect(try await db.queue.retryFailed(.ids([1, 999])) == 1)
            #expect(try await db.photos.photo(id: 1)?.status == .queued)
            #expect(try await db.photos.photo(id: 1)?.error == nil)
            #expect(try await db.queue.retryFailed(.all) == 2)
            let again = try await db.queue.claim(workerID: "w", limit: 5, lease: .seconds(30))
            #expect(again.count == 3 && again.allSatisfy { $0.attempt == 1 })
            #expect(try await db.queue.failedJobs(limit: 10).isEmpty)
        }
    }

    @Test("a photo stuck without a job is enqueued again by the sweep, once", arguments: TestDatabase.Kind.allCases)
    func requeueStuck(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await db.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            try await db.insertWithThumbnailJob(Self.newPhoto(2), maxAttempts: 3)
            try await db.execute("DELETE FROM jobs WHERE photo_id = 1")
            #expect(try await db.queue.requeueStuckPhotos(idle: .seconds(60), maxAttempts: 3).isEmpty)
            #expect(try await db.queue.requeueStuckPhotos(idle: .zero - .seconds(1), maxAttempts: 3) == [1])
            #expect(try await db.queue.requeueStuckPhotos(idle: .zero - .seconds(1), maxAttempts: 3).isEmpty)
            #expect(try await db.count("jobs", where: "photo_id = 1 AND state = 'available'") == 1)
        }
    }

    @Test("the same hash is recorded once, with one job", arguments: TestDatabase.Kind.allCases)
    func uniqueHash(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            let first = try await db.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            let second = try await db.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            #expect(first.isNew && !second.isNew && first.photo.id == second.photo.id)
            #expect(first.photo == second.photo)
            #expect(try await db.count("jobs") == 1)
        }
    }

    @Test("the same hash uploaded concurrently is recorded once, with one job", arguments: TestDatabase.Kind.allCases)
    func uniqueHashConcurrently(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind, poolSize: 8) { db in
            let outcomes = try await withThrowingTaskGroup(of: InsertOutcome.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await db.insertWithThumbnailJob(Self.newPhoto(7), maxAttempts: 3) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter(\.isNew).count == 1)
            #expect(Set(outcomes.map(\.photo.id)).count == 1)
            #expect(try await db.count("jobs") == 1)
        }
    }

    @Test(
        "photos read back as written: lookups, pages newest first, ids, delete cascades to jobs",
        arguments: TestDatabase.Kind.allCases)
    func photoRepository(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            var new = Self.newPhoto(1)
            new.originalName = "Été 2024 'quoted'.png"
            new.contentType = "image/png"
            new.orientation = nil
            new.capturedAt = "2024:07:01 12:00:00"
            new.capturedOffset = "+02:00"
            new.camera = Camera(make: "Apple", model: "iPhone 12")
            let created = try await db.insertWithThumbnailJob(new, maxAttempts: 3).photo
            #expect(created.originalName == new.originalName && created.orientation == nil)
            #expect(created.capturedAt == new.capturedAt && created.originalExtension == "png")
            #expect(created.capturedOffset == "+02:00" && created.camera == new.camera)
            #expect(abs(created.createdAt.timeIntervalSinceNow) < 60)
            for n in 2...5 { try await db.insertWithThumbnailJob(Self.newPhoto(n), maxAttempts: 3) }
            #expect(try await db.photos.photo(hash: new.hash) == created)
            #expect(try await db.photos.photo(id: 99) == nil)
            #expect(try await db.photos.photos(before: nil, limit: 2).map(\.id) == [5, 4])
            #expect(try await db.photos.photos(before: 4, limit: 10).map(\.id) == [3, 2, 1])
            #expect(try await db.photos.photos(ids: [2, 4, 99]).map(\.id).sorted() == [2, 4])
            #expect(try await db.photos.photos(ids: []).isEmpty)
            #expect(try await db.photos.existingHashes([new.hash, String(repeating: "f", count: 64)]) == [new.hash])
            #expect(try await db.photos.delete(id: 1) == created)
            #expect(try await db.photos.delete(id: 1) == nil)
            #expect(try await db.count("jobs") == 4)
            try await db.photos.checkHealth()
        }
    }
}
