import Foundation
import SQLiteNIO

/// `JobQueue` on an SQLite file: claims run in `BEGIN IMMEDIATE`, so one process at a time picks jobs.
public struct SQLiteJobQueue: JobQueue {
    let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func claim(workerID: String, limit: Int, lease: Duration) async throws -> [ClaimedJob] {
        try await database.write { connection in
            let now = Date()
            let nowMS = Timestamp.milliseconds(now)
            let stamp = Timestamp.iso8601(now)
            // A job whose lease ran out after its last allowed attempt killed its worker every time: quarantine it.
            let poisoned = try await connection.query(
                """
                UPDATE jobs SET state = 'failed', locked_by = NULL, locked_until = NULL,
                    last_error = 'worker died ' || attempts || ' times while running this job',
                    updated_at = ?, finished_at = ?
                WHERE state = 'running' AND locked_until < ? AND attempts >= max_attempts
                RETURNING photo_id, last_error
                """,
                [.text(stamp), .text(stamp), .integer(Int(nowMS))])
            for row in poisoned {
                try await Self.setPhotoStatus(
                    connection, photoID: row.column("photo_id")?.integer, status: .failed,
                    error: row.column("last_error")?.string, stamp: stamp)
            }
            let rows = try await connection.query(
                """
                UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?, updated_at = ?
                WHERE id IN (
                    SELECT id FROM jobs WHERE state = 'available' AND run_at <= ?
                    UNION ALL
                    SELECT id FROM jobs WHERE state = 'running' AND locked_until < ?
                    ORDER BY id LIMIT ?)
                RETURNING id, kind, payload, photo_id, attempts, max_attempts
                """,
                [
                    .text(workerID), .integer(Int(nowMS + Self.milliseconds(lease))), .text(stamp),
                    .integer(Int(nowMS)), .integer(Int(nowMS)), .integer(limit),
                ])
            var jobs: [ClaimedJob] = []
            for row in rows {
                guard let id = row.column("id")?.integer, let kind = row.column("kind")?.string,
                    let attempts = row.column("attempts")?.integer, let max = row.column("max_attempts")?.integer
                else { throw DatabaseError(.corruptRow, "a claimed job row is missing required columns") }
                let photoID = row.column("photo_id")?.integer
                try await Self.setPhotoStatus(connection, photoID: photoID, status: .processing, error: nil, stamp: stamp)
                jobs.append(
                    ClaimedJob(
                        id: Int64(id), kind: kind, payload: row.column("payload")?.string ?? "{}",
                        photoID: photoID.map(Int64.init), attempt: attempts, maxAttempts: max, workerID: workerID))
            }
            return jobs.sorted { $0.id < $1.id }
        }
    }

    public func extendLeases(_ jobIDs: [Int64], workerID: String, lease: Duration) async throws {
        guard !jobIDs.isEmpty else { return }
        let placeholders = Array(repeating: "?", count: jobIDs.count).joined(separator: ", ")
        let until = Timestamp.milliseconds(Date()) + Self.milliseconds(lease)
        try await database.write { connection in
            _ = try await connection.query(
                "UPDATE jobs SET locked_until = ? WHERE state = 'running' AND locked_by = ? AND id IN (\(placeholders))",
                [.integer(Int(until)), .text(workerID)] + jobIDs.map { .integer(Int($0)) })
        }
    }

    public func retry(_ job: ClaimedJob, error: String, runAt: Date) async throws {
        guard job.attempt < job.maxAttempts else {
            try await fail(job, error: "\(error) (gave up after \(job.attempt) attempts)")
            return
        }
        try await database.write { connection in
            let stamp = Timestamp.iso8601(Date())
            let rows = try await connection.query(
                """
                UPDATE jobs SET state = 'available', run_at = ?, locked_by = NULL, locked_until = NULL, last_error = ?,
                                updated_at = ?
                WHERE id = ? AND state = 'running' AND locked_by = ?
                RETURNING photo_id
                """,
                [
                    .integer(Int(Timestamp.milliseconds(runAt))), .text(error), .text(stamp), .integer(Int(job.id)),
                    .text(job.workerID),
                ])
            if let row = rows.first {
                try await Self.setPhotoStatus(
                    connection, photoID: row.column("photo_id")?.integer, status: .queued, error: nil, stamp: stamp)
            }
        }
    }

    public func fail(_ job: ClaimedJob, error: String) async throws {
        try await database.write { connection in
            let stamp = Timestamp.iso8601(Date())
            let rows = try await connection.query(
                """
                UPDATE jobs SET state = 'failed', locked_by = NULL, locked_until = NULL, last_error = ?,
                                updated_at = ?, finished_at = ?
                WHERE id = ? AND state = 'running' AND locked_by = ?
                RETURNING photo_id
                """,
                [.text(error), .text(stamp), .text(stamp), .integer(Int(job.id)), .text(job.workerID)])
            if let row = rows.first {
                try await Self.setPhotoStatus(
                    connection, photoID: row.column("photo_id")?.integer, status: .failed, error: error, stamp: stamp)
            }
        }
    }

    public func release(_ job: ClaimedJob) async throws {
        try await database.write { connection in
            let stamp = Timestamp.iso8601(Date())
            let rows = try await connection.query(
                """
                UPDATE jobs SET state = 'available', attempts = max(attempts - 1, 0), run_at = ?, locked_by = NULL,
                                locked_until = NULL, updated_at = ?
                WHERE id = ? AND state = 'running' AND locked_by = ?
                RETURNING photo_id
                """,
                [
                    .integer(Int(Timestamp.milliseconds(Date()))), .text(stamp), .integer(Int(job.id)),
                    .text(job.workerID),
                ])
            if let row = rows.first {
                try await Self.setPhotoStatus(
                    connection, photoID: row.column("photo_id")?.integer, status: .queued, error: nil, stamp: stamp)
            }
        }
    }

    public func complete(_ job: ClaimedJob) async throws {
        try await database.write { connection in
            let stamp = Timestamp.iso8601(Date())
            _ = try await connection.query(
                """
                UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, updated_at = ?, finished_at = ?
                WHERE id = ? AND state = 'running' AND locked_by = ?
                """,
                [.text(stamp), .text(stamp), .integer(Int(job.id)), .text(job.workerID)])
        }
    }

    public func stats() async throws -> QueueStats {
        try await database.read { connection in
            var counts: [JobState: Int] = [:]
            for state in JobState.allCases { counts[state] = 0 }
            for row in try await connection.query("SELECT state, count(*) AS n FROM jobs GROUP BY state") {
                if let state = row.column("state")?.string.flatMap(JobState.init), let n = row.column("n")?.integer {
                    counts[state] = n
                }
            }
            let oldest = try await connection.query("SELECT min(run_at) AS oldest FROM jobs WHERE state = 'available'")
                .first?.column("oldest")?.integer
            let age = oldest.map { max(0, Date().timeIntervalSince(Timestamp.date(milliseconds: Int64($0)))) }
            return QueueStats(counts: counts, oldestAvailableAge: age)
        }
    }

    /// Moves the job's photo along with the job, inside the caller's transaction.
    static func setPhotoStatus(
        _ connection: SQLiteConnection, photoID: Int?, status: PhotoStatus, error: String?, stamp: String
    ) async throws {
        guard let photoID else { return }
        _ = try await connection.query(
            "UPDATE photos SET status = ?, error = ?, updated_at = ? WHERE id = ? AND status <> 'ready'",
            [.text(status.rawValue), error.map { .text($0) } ?? .null, .text(stamp), .integer(photoID)])
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
