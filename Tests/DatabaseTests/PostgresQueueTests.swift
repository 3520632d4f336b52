import Database
import Foundation
import PostgresNIO
import MemoriesTestSupport
import Testing

/// The Postgres queue's claim state machine, the same cases as the SQLite `QueueTests`, against a real server.
@Suite("Postgres job queue")
struct PostgresQueueTests {
    static func newPhoto(_ n: Int) -> NewPhoto {
        NewPhoto(
            hash: String((String(repeating: "0", count: 64) + String(n, radix: 16)).suffix(64)),
            originalName: "p\(n).jpg", contentType: "image/jpeg",
            bytes: 100, width: 10, height: 10, orientation: 1, capturedAt: nil)
    }

    @Test("claims respect the limit, count the attempt and move the photo to processing")
    func claim() async throws {
        try await PostgresTestDatabase.with { db in
            for n in 1...3 { _ = try await db.photos.insertWithThumbnailJob(Self.newPhoto(n), maxAttempts: 3) }
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

    @Test("an expired lease is claimed again; the old holder can no longer complete it")
    func expiredLease() async throws {
        try await PostgresTestDatabase.with { db in
            _ = try await db.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            let lost = try #require(try await db.queue.claim(workerID: "dead", limit: 1, lease: .milliseconds(1)).first)
            try await Task.sleep(for: .milliseconds(20))
            let again = try #require(try await db.queue.claim(workerID: "alive", limit: 1, lease: .seconds(30)).first)
            #expect(again.id == lost.id && again.attempt == 2)
            // The dead worker's heartbeat must not steal the lease back.
            try await db.queue.extendLeases([lost.id], workerID: "dead", lease: .seconds(60))
            #expect(try await db.count("jobs", where: "locked_by = 'alive'") == 1)
            let info = DerivativeInfo(fileExtension: "jpg", width: 1, height: 1, bytes: 1)
            #expect(
                try await db.photos.markReady(photoID: 1, display: info, thumbnail: info, completing: lost) == false)
            #expect(try await db.photos.photo(id: 1)?.status == .processing)
            #expect(
                try await db.photos.markReady(photoID: 1, display: info, thumbnail: info, completing: again) == true)
            let photo = try #require(try await db.photos.photo(id: 1))
            #expect(photo.status == .ready && photo.display == info && photo.thumbnail == info)
            #expect(try await db.queue.stats().counts[.done] == 1)
        }
    }

    @Test("a heartbeat keeps the lease: the job is not claimed again while it is extended")
    func heartbeat() async throws {
        try await PostgresTestDatabase.with { db in
            _ = try await db.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            let job = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .milliseconds(200)).first)
            try await db.queue.extendLeases([job.id], workerID: "w", lease: .seconds(30))
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await db.queue.claim(workerID: "other", limit: 1, lease: .seconds(30)).isEmpty)
        }
    }

    @Test("a job that kills its worker every time is quarantined after max attempts")
    func poisonJob() async throws {
        try await PostgresTestDatabase.with { db in
            _ = try await db.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 2)
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

    @Test("retry waits for run_at; release gives the job back without counting the attempt; fail records the reason")
    func retryReleaseFail() async throws {
        try await PostgresTestDatabase.with { db in
            _ = try await db.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            let job = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            try await db.queue.retry(job, error: "connection reset", runAt: Date().addingTimeInterval(60))
            #expect(try await db.photos.photo(id: 1)?.status == .queued)
            #expect(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).isEmpty)
            // Time passes: the job comes due.
            try await db.execute("UPDATE jobs SET run_at = run_at - interval '61 seconds'")
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

    @Test("a retry after the last attempt fails the job")
    func retriesRunOut() async throws {
        try await PostgresTestDatabase.with { db in
            _ = try await db.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 1)
            let job = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            try await db.queue.retry(job, error: "timeout", runAt: Date())
            #expect(try await db.photos.photo(id: 1)?.status == .failed)
            #expect(try await db.photos.photo(id: 1)?.error?.contains("gave up after 1 attempts") == true)
        }
    }

    @Test("complete marks a job done; a stale holder changes nothing")
    func complete() async throws {
        try await PostgresTestDatabase.with { db in
            _ = try await db.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            let job = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            var stale = job
            stale.workerID = "someone-else"
            try await db.queue.complete(stale)
            try await db.queue.fail(stale, error: "nope")
            #expect(try await db.queue.stats().counts[.running] == 1)
            try await db.queue.complete(job)
            #expect(try await db.queue.stats().counts[.done] == 1)
        }
    }

    @Test("the same hash is recorded once, with one job")
    func uniqueHash() async throws {
        try await PostgresTestDatabase.with { db in
            let first = try await db.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            let second = try await db.photos.insertWithThumbnailJob(Self.newPhoto(1), maxAttempts: 3)
            #expect(first.isNew && !second.isNew && first.photo.id == second.photo.id)
            #expect(first.photo == second.photo)
            #expect(try await db.count("jobs") == 1)
        }
    }

    @Test("the same hash uploaded concurrently is recorded once, with one job")
    func uniqueHashConcurrently() async throws {
        try await PostgresTestDatabase.with(poolSize: 8) { db in
            let outcomes = try await withThrowingTaskGroup(of: InsertOutcome.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await db.photos.insertWithThumbnailJob(Self.newPhoto(7), maxAttempts: 3) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter(\.isNew).count == 1)
            #expect(Set(outcomes.map(\.photo.id)).count == 1)
            #expect(try await db.count("jobs") == 1)
        }
    }

    @Test("photos read back as written: lookups, pages newest first, ids, delete cascades to jobs")
    func photoRepository() async throws {
        try await PostgresTestDatabase.with { db in
            var new = Self.newPhoto(1)
            new.originalName = "Été 2024 'quoted'.png"
            new.contentType = "image/png"
            new.orientation = nil
            new.capturedAt = "2024:07:01 12:00:00"
            let created = try await db.photos.insertWithThumbnailJob(new, maxAttempts: 3).photo
            #expect(created.originalName == new.originalName && created.orientation == nil)
            #expect(created.capturedAt == new.capturedAt && created.originalExtension == "png")
            #expect(abs(created.createdAt.timeIntervalSinceNow) < 60)
            for n in 2...5 { _ = try await db.photos.insertWithThumbnailJob(Self.newPhoto(n), maxAttempts: 3) }
            #expect(try await db.photos.photo(hash: new.hash) == created)
            #expect(try await db.photos.photo(id: 99) == nil)
            #expect(try await db.photos.photos(before: nil, limit: 2).map(\.id) == [5, 4])
            #expect(try await db.photos.photos(before: 4, limit: 10).map(\.id) == [3, 2, 1])
            #expect(try await db.photos.photos(ids: [2, 4, 99]).map(\.id).sorted() == [2, 4])
            #expect(try await db.photos.photos(ids: []).isEmpty)
            #expect(try await db.photos.delete(id: 1) == created)
            #expect(try await db.photos.delete(id: 1) == nil)
            #expect(try await db.count("jobs") == 4)
            try await db.photos.checkHealth()
        }
    }
}
