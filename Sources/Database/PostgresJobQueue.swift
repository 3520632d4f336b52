import Foundation
import PostgresNIO

/// `JobQueue` on PostgreSQL. Claims lock rows with `FOR UPDATE SKIP LOCKED`, so any number of workers on any
/// number of hosts claim at once without waiting on each other or taking the same job; leases are compared with
/// the server's clock, never a worker's. Each operation is one statement, its photo update in a data-modifying CTE.
public struct PostgresJobQueue: JobQueue {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    public func claim(workerID: String, limit: Int, lease: Duration) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let leaseMS = Self.milliseconds(lease)
        let logger = database.logger
        let rows = try await database.withConnection { connection in
            // A job whose lease ran out after its last allowed attempt killed its worker every time: quarantine it.
            try await connection.query(
                """
                WITH poisoned AS (
                    UPDATE jobs SET state = 'failed', locked_by = NULL, locked_until = NULL,
                        last_error = 'worker died ' || attempts || ' times while running this job',
                        updated_at = now(), finished_at = now()
                    WHERE id IN (
                        SELECT id FROM jobs
                        WHERE state = 'running' AND locked_until < now() AND attempts >= max_attempts
                        FOR UPDATE SKIP LOCKED)
                    RETURNING photo_id, last_error)
                UPDATE photos SET status = 'failed', error = poisoned.last_error, updated_at = now()
                FROM poisoned WHERE photos.id = poisoned.photo_id AND photos.status <> 'ready'
                """, logger: logger)
            // MATERIALIZED makes the locking SELECT run exactly once, so LIMIT bounds what the UPDATE takes.
            // `attempts < max_attempts` keeps a lease that expired since the statement above for the next quarantine.
            return try await connection.query(
                """
                WITH locked AS MATERIALIZED (
                    SELECT id FROM jobs
                    WHERE (state = 'available' AND run_at <= now())
                       OR (state = 'running' AND locked_until < now() AND attempts < max_attempts)
                    ORDER BY id
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED),
                claimed AS (
                    UPDATE jobs SET state = 'running', attempts = jobs.attempts + 1, locked_by = \(workerID),
                        locked_until = now() + \(leaseMS) * interval '1 millisecond', updated_at = now()
                    FROM locked WHERE jobs.id = locked.id
                    RETURNING jobs.id, jobs.kind, jobs.payload::text AS payload, jobs.photo_id, jobs.attempts,
                              jobs.max_attempts),
                moved AS (
                    UPDATE photos SET status = 'processing', error = NULL, updated_at = now()
                    FROM claimed WHERE photos.id = claimed.photo_id AND photos.status <> 'ready')
                SELECT id, kind, payload, photo_id, attempts, max_attempts FROM claimed ORDER BY id
                """, logger: logger
            ).collect()
        }
        return try rows.map { row in
            do {
                let (id, kind, payload, photoID, attempts, maxAttempts) = try row.decode(
                    (Int64, String, String, Int64?, Int, Int).self)
                return ClaimedJob(
                    id: id, kind: kind, payload: payload, photoID: photoID, attempt: attempts, maxAttempts: maxAttempts,
                    workerID: workerID)
            } catch {
                throw DatabaseError(
                    .corruptRow, "a claimed job row is missing required columns", underlying: PostgresDriverError(error)
                )
            }
        }
    }

    public func extendLeases(_ jobIDs: [Int64], workerID: String, lease: Duration) async throws {
        guard !jobIDs.isEmpty else { return }
        _ = try await database.query(
            """
            UPDATE jobs SET locked_until = now() + \(Self.milliseconds(lease)) * interval '1 millisecond'
            WHERE state = 'running' AND locked_by = \(workerID) AND id = ANY(\(jobIDs))
            """)
    }

    public func retry(_ job: ClaimedJob, error: String, runAt: Date) async throws {
        guard job.attempt < job.maxAttempts else {
            try await fail(job, error: "\(error) (gave up after \(job.attempt) attempts)")
            return
        }
        _ = try await database.query(
            """
            WITH retried AS (
                UPDATE jobs SET state = 'available', run_at = \(runAt), locked_by = NULL, locked_until = NULL,
                                last_error = \(error), updated_at = now()
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(job.workerID)
                RETURNING photo_id)
            UPDATE photos SET status = 'queued', error = NULL, updated_at = now()
            FROM retried WHERE photos.id = retried.photo_id AND photos.status <> 'ready'
            """)
    }

    public func fail(_ job: ClaimedJob, error: String) async throws {
        _ = try await database.query(
            """
            WITH failed AS (
                UPDATE jobs SET state = 'failed', locked_by = NULL, locked_until = NULL, last_error = \(error),
                                updated_at = now(), finished_at = now()
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(job.workerID)
                RETURNING photo_id)
            UPDATE photos SET status = 'failed', error = \(error), updated_at = now()
            FROM failed WHERE photos.id = failed.photo_id AND photos.status <> 'ready'
            """)
    }

    public func release(_ job: ClaimedJob) async throws {
        // The job is runnable again at once, so wake the listeners rather than leave it to their slow poll.
        _ = try await database.query(
            """
            WITH released AS (
                UPDATE jobs SET state = 'available', attempts = greatest(attempts - 1, 0), run_at = now(),
                                locked_by = NULL, locked_until = NULL, updated_at = now()
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(job.workerID)
                RETURNING id, photo_id),
            moved AS (
                UPDATE photos SET status = 'queued', error = NULL, updated_at = now()
                FROM released WHERE photos.id = released.photo_id AND photos.status <> 'ready')
            SELECT pg_notify(\(PostgresJobListener.channel), id::text) FROM released
            """)
    }

    public func complete(_ job: ClaimedJob) async throws {
        _ = try await database.query(
            """
            UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, updated_at = now(), finished_at = now()
            WHERE id = \(job.id) AND state = 'running' AND locked_by = \(job.workerID)
            """)
    }

    public func stats() async throws -> QueueStats {
        let logger = database.logger
        return try await database.withConnection { connection in
            var counts: [JobState: Int] = [:]
            for state in JobState.allCases { counts[state] = 0 }
            let rows = try await connection.query(
                "SELECT state, count(*) AS n FROM jobs GROUP BY state", logger: logger)
            for try await (state, n) in rows.decode((String, Int).self) {
                if let state = JobState(rawValue: state) { counts[state] = n }
            }
            let oldest = try await connection.query(
                """
                SELECT extract(epoch FROM now() - min(run_at))::float8 AS age FROM jobs WHERE state = 'available'
                """, logger: logger
            ).collect()
            // NULL when nothing waits; a job due in the future counts as waiting for no time yet.
            let age = try oldest.first?.decode(Double?.self) ?? nil
            return QueueStats(counts: counts, oldestAvailableAge: age.map { max(0, $0) })
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
