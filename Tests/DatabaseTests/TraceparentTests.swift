import Database
import Jobs
import MemoriesTestSupport
import Testing

/// A job's trace context (issue 25, migration 0015): the `traceparent` written with the job comes back with its
/// claim, so the worker's spans join the upload's trace; with tracing off nothing is written. Both dialects.
@Suite("Job trace context")
struct TraceparentTests {
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test("the traceparent enqueued with a job comes back with its claim", arguments: TestDatabase.Kind.allCases)
    func roundTrip(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            guard case .created(let photo) = try await db.photos.insertForTest(QueueTests.newPhoto(1), db: db) else {
                Issue.record("the photo was not created")
                return
            }
            let queue = db.queue
            try await db.database.transaction { transaction in
                try await queue.enqueue(
                    .thumbnail(photoID: photo.id, maxAttempts: 3, traceparent: Self.traceparent), in: transaction)
            }
            let claimed = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            #expect(claimed.traceparent == Self.traceparent)
        }
    }

    @Test("with tracing off an upload's job carries no traceparent", arguments: TestDatabase.Kind.allCases)
    func offWritesNothing(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await db.insertWithThumbnailJob(QueueTests.newPhoto(2), maxAttempts: 3)
            #expect(JobTrace.currentTraceparent() == nil)
            #expect(try await db.count("jobs", where: "traceparent IS NULL") == 1)
            let claimed = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            #expect(claimed.traceparent == nil)
        }
    }
}

extension SQLPhotoRepository {
    /// Inserts a photo alone (its job is the test's to enqueue).
    fileprivate func insertForTest(_ photo: NewPhoto, db: TestDatabase) async throws -> InsertOutcome {
        try await db.database.transaction { transaction in try await self.insert(photo, in: transaction) }
    }
}
