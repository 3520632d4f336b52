import Database
import Foundation
import Jobs
import MemoriesTestSupport
import PostgresNIO
import Testing

/// Counts wake-ups from the listener's callback, which runs on the listener's task.
/// A lock rather than an actor: the callback is synchronous.
final class WakeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }

    /// Waits until the count reaches `target`; false after `timeout`.
    func wait(for target: Int, timeout: Duration = .seconds(10)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if value >= target { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return value >= target
    }
}

/// `LISTEN memories_jobs` wakes workers when a job commits, and survives a dropped connection.
@Suite("Postgres job listener")
struct PostgresListenerTests {
    /// Runs a listener beside `body`, then stops it.
    static func withListener(
        _ db: PostgresTestDatabase, _ body: @Sendable (WakeCounter) async throws -> Void
    ) async throws {
        let counter = WakeCounter()
        let listener = PostgresJobListener(
            database: db.database, minimumBackoff: .milliseconds(50), maximumBackoff: .milliseconds(200))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await listener.run { counter.increment() } }
            defer { group.cancelAll() }
            // The first wake-up comes once LISTEN is in place.
            #expect(try await counter.wait(for: 1))
            try await body(counter)
        }
    }

    @Test("an insert notifies a listener when it commits, and not before")
    func notifyOnCommit() async throws {
        try await PostgresTestDatabase.with { db in
            try await Self.withListener(db) { counter in
                _ = try await db.insertWithThumbnailJob(QueueTests.newPhoto(1), maxAttempts: 3)
                #expect(try await counter.wait(for: 2))
                // The same insert the repository makes, held open: nothing may arrive until COMMIT.
                let before = counter.value
                try await db.database.withTransaction { connection in
                    try await connection.query(
                        """
                        WITH job AS (INSERT INTO jobs (kind, payload) VALUES ('thumbnail', '{}') RETURNING id)
                        SELECT pg_notify('memories_jobs', id::text) FROM job
                        """, logger: db.logger)
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(counter.value == before)
                }
                #expect(try await counter.wait(for: before + 1))
                // A rolled-back insert notifies nobody.
                let afterCommit = counter.value
                struct Abort: Error {}
                _ = try? await db.database.withTransaction { connection in
                    try await connection.query("SELECT pg_notify('memories_jobs', 'x')", logger: db.logger)
                    throw Abort()
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(counter.value == afterCommit)
            }
        }
    }

    @Test("a released job wakes listeners")
    func notifyOnRelease() async throws {
        try await PostgresTestDatabase.with { db in
            _ = try await db.insertWithThumbnailJob(QueueTests.newPhoto(1), maxAttempts: 3)
            let job = try #require(try await db.queue.claim(workerID: "w", limit: 1, lease: .seconds(30)).first)
            try await Self.withListener(db) { counter in
                let before = counter.value
                try await db.queue.release(job)
                #expect(try await counter.wait(for: before + 1))
            }
        }
    }

    @Test("after its connection is killed the listener reconnects, wakes once, and hears new jobs")
    func reconnects() async throws {
        try await PostgresTestDatabase.with { db in
            try await Self.withListener(db) { counter in
                let before = counter.value
                try await db.execute(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = 'memories-listener' AND datname = current_database()
                    """)
                // The wake-up after re-listening covers what was notified while it was away.
                #expect(try await counter.wait(for: before + 1))
                let reconnected = counter.value
                _ = try await db.insertWithThumbnailJob(QueueTests.newPhoto(2), maxAttempts: 3)
                #expect(try await counter.wait(for: reconnected + 1))
            }
        }
    }
}
