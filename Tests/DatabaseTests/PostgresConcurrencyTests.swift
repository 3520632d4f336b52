import Database
import Foundation
import Jobs
import MemoriesTestSupport
import PostgresNIO
import Testing

/// Several workers claiming from one Postgres queue at once never share a job (`FOR UPDATE SKIP LOCKED`).
@Suite("Postgres concurrent claims")
struct PostgresConcurrencyTests {
    @Test("40 jobs, 4 concurrent claim loops: every job is claimed exactly once")
    func concurrentClaimers() async throws {
        try await PostgresTestDatabase.with(poolSize: 2) { db in
            for n in 1...40 {
                _ = try await db.insertWithThumbnailJob(QueueTests.newPhoto(n), maxAttempts: 3)
            }
            // Each claimer is a separate pool, as separate worker processes would be.
            let claimers = try (0..<4).map { _ in
                try Database.PostgresDatabase(url: db.url, poolSize: 2, logger: db.logger)
            }
            let claimed = try await withThrowingTaskGroup(of: [ClaimedJob].self) { group in
                for (index, claimer) in claimers.enumerated() {
                    group.addTask {
                        try await claimer.withRunning {
                            let queue = SQLJobQueue(database: claimer, photos: SQLPhotoRepository(database: claimer))
                            var mine: [ClaimedJob] = []
                            while true {
                                let jobs = try await queue.claim(
                                    workerID: "worker-\(index)", limit: 1 + index % 3, lease: .seconds(60))
                                if jobs.isEmpty { break }
                                for job in jobs { try await queue.complete(job) }
                                mine += jobs
                            }
                            return mine
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 40)
            #expect(Set(claimed.map(\.id)).count == 40)
            #expect(claimed.allSatisfy { $0.attempt == 1 })
            let stats = try await db.queue.stats()
            #expect(stats.counts[.done] == 40 && stats.counts[.available] == 0 && stats.counts[.running] == 0)
        }
    }

    @Test("a claim skips jobs another transaction has locked instead of waiting for them")
    func skipLocked() async throws {
        try await PostgresTestDatabase.with(poolSize: 4) { db in
            for n in 1...2 {
                _ = try await db.insertWithThumbnailJob(QueueTests.newPhoto(n), maxAttempts: 3)
            }
            try await db.database.withTransaction { connection in
                // Hold job 1's row lock, as a claimer in the middle of its statement would. A claim that waited for
                // it would never return (this transaction ends only after it): it would fail at the pool's
                // operation deadline instead, so getting job 2 back proves the lock was skipped, with no timing.
                try await connection.query("SELECT id FROM jobs WHERE id = 1 FOR UPDATE", logger: db.logger)
                let jobs = try await db.queue.claim(workerID: "w", limit: 2, lease: .seconds(30))
                #expect(jobs.map(\.id) == [2])
            }
        }
    }
}
