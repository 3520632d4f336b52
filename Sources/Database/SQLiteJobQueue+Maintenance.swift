import Foundation
import SQLiteNIO

/// What operators and the worker's sweep do to the queue beside running jobs.
extension SQLiteJobQueue {
    public func failedJobs(limit: Int) async throws -> [FailedJob] {
        try await database.read { connection in
            try await connection.query(
                """
                SELECT id, kind, photo_id, attempts, last_error, finished_at FROM jobs
                WHERE state = 'failed' ORDER BY finished_at DESC, id DESC LIMIT ?
                """, [.integer(limit)]
            ).map { row in
                guard let id = row.column("id")?.integer, let kind = row.column("kind")?.string,
                    let attempts = row.column("attempts")?.integer
                else { throw DatabaseError(.corruptRow, "a failed job row is missing required columns") }
                let finished = row.column("finished_at")?.string.flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0)
                return FailedJob(
                    id: Int64(id), kind: kind, photoID: row.column("photo_id")?.integer.map(Int64.init),
                    attempts: attempts, error: row.column("last_error")?.string, failedAt: finished)
            }
        }
    }

    public func retryFailed(_ selection: FailedJobSelection) async throws -> Int {
        var filter = ""
        var binds: [SQLiteData] = []
        if case .ids(let ids) = selection {
            guard !ids.isEmpty else { return 0 }
            filter = " AND id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))"
            binds = ids.map { .integer(Int($0)) }
        }
        return try await database.write { [filter, binds] connection in
            let now = Date()
            let stamp = Timestamp.iso8601(now)
            let rows = try await connection.query(
                """
                UPDATE jobs SET state = 'available', attempts = 0, run_at = ?, last_error = NULL, finished_at = NULL,
                                updated_at = ?
                WHERE state = 'failed'\(filter)
                RETURNING photo_id
                """, [.integer(Int(Timestamp.milliseconds(now))), .text(stamp)] + binds)
            for row in rows {
                try await Self.setPhotoStatus(
                    connection, photoID: row.column("photo_id")?.integer, status: .queued, error: nil, stamp: stamp)
            }
            return rows.count
        }
    }

    public func requeueStuckPhotos(idle: Duration, maxAttempts: Int) async throws -> [Int64] {
        try await database.write { connection in
            let now = Date()
            let stamp = Timestamp.iso8601(now)
            let cutoff = Timestamp.iso8601(now.addingTimeInterval(-Double(Self.milliseconds(idle)) / 1000))
            // The write transaction serializes sweeps: a photo enqueued by one is no longer stuck for the next.
            let stuck = try await connection.query(
                """
                SELECT id FROM photos
                WHERE status IN ('queued', 'processing') AND updated_at < ?
                  AND NOT EXISTS (
                      SELECT 1 FROM jobs WHERE jobs.photo_id = photos.id AND jobs.state IN ('available', 'running'))
                ORDER BY id
                """, [.text(cutoff)]
            ).compactMap { $0.column("id")?.integer }
            for id in stuck {
                _ = try await connection.query(
                    """
                    INSERT INTO jobs (kind, payload, photo_id, state, attempts, max_attempts, run_at, created_at, updated_at)
                    VALUES (?, ?, ?, 'available', 0, ?, ?, ?, ?)
                    """,
                    [
                        .text(JobKind.thumbnail), .text(JobKind.thumbnailPayload(photoID: Int64(id))), .integer(id),
                        .integer(maxAttempts), .integer(Int(Timestamp.milliseconds(now))), .text(stamp), .text(stamp),
                    ])
                try await Self.setPhotoStatus(connection, photoID: id, status: .queued, error: nil, stamp: stamp)
            }
            return stuck.map(Int64.init)
        }
    }
}
