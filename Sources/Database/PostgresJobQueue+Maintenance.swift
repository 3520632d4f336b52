import Foundation
import PostgresNIO

/// What operators and the worker's sweep do to the queue beside running jobs.
extension PostgresJobQueue {
    public func failedJobs(limit: Int) async throws -> [FailedJob] {
        let rows = try await database.query(
            """
            SELECT id, kind, photo_id, attempts, last_error, finished_at FROM jobs
            WHERE state = 'failed' ORDER BY finished_at DESC, id DESC LIMIT \(limit)
            """)
        return try rows.map { row in
            do {
                let (id, kind, photoID, attempts, error, finishedAt) = try row.decode(
                    (Int64, String, Int64?, Int, String?, Date).self)
                return FailedJob(
                    id: id, kind: kind, photoID: photoID, attempts: attempts, error: error, failedAt: finishedAt)
            } catch {
                throw DatabaseError(
                    .corruptRow, "a failed job row is missing required columns", underlying: PostgresDriverError(error))
            }
        }
    }

    public func retryFailed(_ selection: FailedJobSelection) async throws -> Int {
        let ids: [Int64]? = if case .ids(let ids) = selection { ids } else { nil }
        if let ids, ids.isEmpty { return 0 }
        // `ids IS NULL` selects every failed job; the notification wakes idle workers at once.
        let rows = try await database.query(
            """
            WITH retried AS (
                UPDATE jobs SET state = 'available', attempts = 0, run_at = now(), last_error = NULL,
                                finished_at = NULL, updated_at = now()
                WHERE state = 'failed' AND (\(ids)::bigint[] IS NULL OR id = ANY(\(ids)::bigint[]))
                RETURNING id, photo_id),
            moved AS (
                UPDATE photos SET status = 'queued', error = NULL, updated_at = now()
                FROM retried WHERE photos.id = retried.photo_id AND photos.status <> 'ready')
            SELECT id, pg_notify(\(PostgresJobListener.channel), id::text) FROM retried
            """)
        return rows.count
    }

    public func requeueStuckPhotos(idle: Duration, maxAttempts: Int) async throws -> [Int64] {
        let idleMS = Self.milliseconds(idle)
        // FOR UPDATE SKIP LOCKED: two sweeping workers never enqueue the same photo twice; a photo touched meanwhile
        // is re-checked against `updated_at` when its lock is taken and no longer counts as stuck.
        let rows = try await database.query(
            """
            WITH stuck AS (
                SELECT id FROM photos
                WHERE status IN ('queued', 'processing')
                  AND updated_at < now() - \(idleMS) * interval '1 millisecond'
                  AND NOT EXISTS (
                      SELECT 1 FROM jobs WHERE jobs.photo_id = photos.id AND jobs.state IN ('available', 'running'))
                ORDER BY id
                FOR UPDATE SKIP LOCKED),
            requeued AS (
                UPDATE photos SET status = 'queued', error = NULL, updated_at = now()
                FROM stuck WHERE photos.id = stuck.id
                RETURNING photos.id),
            enqueued AS (
                INSERT INTO jobs (kind, payload, photo_id, state, attempts, max_attempts, run_at)
                SELECT \(JobKind.thumbnail), jsonb_build_object('photo_id', id), id, 'available', 0, \(maxAttempts), now()
                FROM requeued
                RETURNING id, photo_id)
            SELECT photo_id, pg_notify(\(PostgresJobListener.channel), id::text) FROM enqueued ORDER BY photo_id
            """)
        return try rows.map { row in
            do {
                return try row.makeRandomAccess()["photo_id"].decode(Int64.self)
            } catch {
                throw DatabaseError(.corruptRow, "a requeued job has no photo", underlying: PostgresDriverError(error))
            }
        }
    }
}
