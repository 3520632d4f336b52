import Database
import Foundation

/// `JobQueue` over either dialect, and the one place where a job's moves move its photo: claimed means
/// `processing`, retried or released means `queued`, failed means `failed` with the reason, completed means the
/// caller recorded `ready` in the same transaction. A ready photo never moves back.
///
/// Only the claim's choice of jobs differs by dialect: PostgreSQL locks them with `FOR UPDATE SKIP LOCKED`, so any
/// number of workers on any number of hosts claim at once without waiting on each other, and compares leases with
/// the server's clock; SQLite's single writer (`BEGIN IMMEDIATE`) lets one claim run at a time.
public struct SQLJobQueue: JobQueue {
    let database: any SQLDatabase
    let photos: any PhotoRepository

    public init(database: any SQLDatabase, photos: any PhotoRepository) {
        self.database = database
        self.photos = photos
    }

    /// Locks the chosen rows against other claims in PostgreSQL; SQLite's writer lock already does.
    static let skipLocked: SQLStatement = "\(postgres: " FOR UPDATE SKIP LOCKED", sqlite: "")"

    public func enqueue(_ job: NewJob, in transaction: SQLTransaction) async throws {
        try await transaction.query(
            """
            INSERT INTO jobs (kind, payload, photo_id, state, attempts, max_attempts, run_at, created_at, updated_at,
                              traceparent)
            VALUES (\(job.kind), \(job.payload)\(postgres: "::jsonb", sqlite: ""), \(job.photoID), 'available', 0,
                    \(job.maxAttempts), \(now: .milliseconds), \(now: .text), \(now: .text), \(job.traceparent))
            """)
        try await Self.wakeWorkers(in: transaction)
    }

    /// PostgreSQL: a notification that listening workers receive when the transaction commits, so none wakes
    /// before the job is visible. SQLite's workers poll (and `app dev`'s is woken in-process).
    static func wakeWorkers(in transaction: SQLTransaction) async throws {
        guard transaction.dialect == .postgres else { return }
        try await transaction.query("SELECT pg_notify(\(PostgresJobListener.channel), '')")
    }

    public func claim(workerID: String, limit: Int, lease: Duration) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        return try await database.transaction { transaction in
            // A job whose lease ran out after its last allowed attempt killed its worker every time: quarantine it.
            let poisoned = try await transaction.query(
                """
                UPDATE jobs SET state = 'failed', locked_by = NULL, locked_until = NULL,
                    last_error = 'worker died ' || attempts || ' times while running this job',
                    updated_at = \(now: .text), finished_at = \(now: .text)
                WHERE id IN (
                    SELECT id FROM jobs
                    WHERE state = 'running' AND locked_until < \(now: .milliseconds) AND attempts >= max_attempts
                    \(Self.skipLocked))
                RETURNING photo_id, last_error
                """)
            for row in poisoned {
                try await photos.setStatus(
                    .failed, error: try row.decode("last_error"),
                    photoIDs: [try row.decode("photo_id", as: Int64?.self)]
                        .compactMap { $0 }, in: transaction)
            }
            let candidates: SQLStatement =
                switch transaction.dialect {
                case .postgres:
                    // `attempts < max_attempts` leaves a lease that expired since the quarantine to the next one.
                    """
                    SELECT id FROM jobs
                    WHERE (state = 'available' AND run_at <= now())
                       OR (state = 'running' AND locked_until < now() AND attempts < max_attempts)
                    ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED
                    """
                case .sqlite:
                    // Two arms, so each uses its partial index.
                    """
                    SELECT id FROM jobs WHERE state = 'available' AND run_at <= \(now: .milliseconds)
                    UNION ALL
                    SELECT id FROM jobs WHERE state = 'running' AND locked_until < \(now: .milliseconds)
                    ORDER BY id LIMIT \(limit)
                    """
                }
            let rows = try await transaction.query(
                """
                UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = \(workerID),
                    locked_until = \(now: .milliseconds, plus: lease), updated_at = \(now: .text)
                WHERE id IN (\(candidates))
                RETURNING id, kind, payload\(postgres: "::text", sqlite: "") AS payload, photo_id, attempts, max_attempts,
                          traceparent
                """)
            let jobs = try rows.map { row in
                ClaimedJob(
                    id: try row.decode("id"), kind: try row.decode("kind"), payload: try row.decode("payload"),
                    photoID: try row.decode("photo_id"), attempt: try row.decode("attempts"),
                    maxAttempts: try row.decode("max_attempts"), workerID: workerID,
                    traceparent: try row.decode("traceparent"))
            }
            try await photos.setStatus(
                .processing, error: nil, photoIDs: jobs.compactMap(\.photoID), in: transaction)
            return jobs.sorted { $0.id < $1.id }
        }
    }

    public func extendLeases(_ jobIDs: [Int64], workerID: String, lease: Duration) async throws {
        guard !jobIDs.isEmpty else { return }
        _ = try await database.write(
            """
            UPDATE jobs SET locked_until = \(now: .milliseconds, plus: lease)
            WHERE state = 'running' AND locked_by = \(workerID) AND id \(in: jobIDs)
            """)
    }

    public func retry(_ job: ClaimedJob, error: String, runAt: Date) async throws {
        guard job.attempt < job.maxAttempts else {
            try await fail(job, error: "\(error) (gave up after \(job.attempt) attempts)")
            return
        }
        try await finish(
            job, photo: .queued, error: nil,
            set: """
                UPDATE jobs SET state = 'available', run_at = \(.milliseconds(runAt)), locked_by = NULL,
                                locked_until = NULL, last_error = \(error), updated_at = \(now: .text)
                """)
    }

    public func fail(_ job: ClaimedJob, error: String) async throws {
        try await finish(
            job, photo: .failed, error: error,
            set: """
                UPDATE jobs SET state = 'failed', locked_by = NULL, locked_until = NULL, last_error = \(error),
                                updated_at = \(now: .text), finished_at = \(now: .text)
                """)
    }

    public func release(_ job: ClaimedJob) async throws {
        // Runnable again at once: wake the listeners rather than leave it to their slow poll.
        try await finish(
            job, photo: .queued, error: nil, wakingWorkers: true,
            set: """
                UPDATE jobs SET state = 'available', attempts = \(postgres: "greatest", sqlite: "max")(attempts - 1, 0),
                                run_at = \(now: .milliseconds), locked_by = NULL, locked_until = NULL,
                                updated_at = \(now: .text)
                """)
    }

    public func complete(
        _ job: ClaimedJob, recording record: (@Sendable (SQLTransaction) async throws -> Void)?
    ) async throws -> Bool {
        try await database.transaction { transaction in
            let finished = try await transaction.query(
                """
                UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, last_error = NULL,
                                updated_at = \(now: .text), finished_at = \(now: .text)
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(job.workerID)
                RETURNING id
                """)
            guard !finished.isEmpty else { return false }
            try await record?(transaction)
            return true
        }
    }

    /// Runs `update` (an `UPDATE jobs SET …`) on the job while this worker holds it, and moves its photo to
    /// `status`, in one transaction; with `wakingWorkers`, idle workers are told the job is runnable now.
    /// Returns whether the worker still held it.
    @discardableResult
    func finish(
        _ job: ClaimedJob, photo status: PhotoStatus, error: String?, wakingWorkers: Bool = false,
        set update: SQLStatement
    ) async throws -> Bool {
        try await database.transaction { transaction in
            let rows = try await transaction.query(
                """
                \(update)
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(job.workerID)
                RETURNING photo_id
                """)
            guard let row = rows.first else { return false }
            if let photoID = try row.decode("photo_id", as: Int64?.self) {
                try await photos.setStatus(status, error: error, photoIDs: [photoID], in: transaction)
            }
            if wakingWorkers { try await Self.wakeWorkers(in: transaction) }
            return true
        }
    }

    public func stats() async throws -> QueueStats {
        var counts: [JobState: Int] = [:]
        for state in JobState.allCases { counts[state] = 0 }
        for row in try await database.read("SELECT state, count(*) AS n FROM jobs GROUP BY state") {
            if let state = JobState(rawValue: try row.decode("state")) { counts[state] = try row.decode("n") }
        }
        let oldest = try await database.read("SELECT min(run_at) AS oldest FROM jobs WHERE state = 'available'")
        // NULL when nothing waits; a job due in the future counts as waiting for no time yet.
        let age = try oldest.first?.decode("oldest", as: Date?.self).map { max(0, Date().timeIntervalSince($0)) }
        return QueueStats(counts: counts, oldestAvailableAge: age)
    }

    public func failedJobs(limit: Int) async throws -> [FailedJob] {
        try await database.read(
            """
            SELECT id, kind, photo_id, attempts, last_error, finished_at FROM jobs
            WHERE state = 'failed' ORDER BY finished_at DESC, id DESC LIMIT \(limit)
            """
        ).map { row in
            FailedJob(
                id: try row.decode("id"), kind: try row.decode("kind"), photoID: try row.decode("photo_id"),
                attempts: try row.decode("attempts"), error: try row.decode("last_error"),
                failedAt: try row.decode("finished_at", as: Date?.self) ?? Date(timeIntervalSince1970: 0))
        }
    }

    public func retryFailed(_ selection: FailedJobSelection) async throws -> Int {
        try await retryFailedReturningSends(selection).count
    }

    /// Like `retryFailed`, returning the jobs put back with how many times each had been sent (`sent_at` cleared:
    /// the outbox sends them again).
    public func retryFailedReturningSends(_ selection: FailedJobSelection) async throws -> [Int64: Int] {
        let filter: SQLStatement
        switch selection {
        case .all: filter = ""
        case .ids(let ids):
            guard !ids.isEmpty else { return [:] }
            filter = " AND id \(in: ids)"
        }
        return try await database.transaction { transaction in
            let rows = try await transaction.query(
                """
                UPDATE jobs SET state = 'available', attempts = 0, run_at = \(now: .milliseconds), last_error = NULL,
                                finished_at = NULL, sent_at = NULL, updated_at = \(now: .text)
                WHERE state = 'failed'\(filter)
                RETURNING id, photo_id, sends
                """)
            let photoIDs = try rows.compactMap { try $0.decode("photo_id", as: Int64?.self) }
            try await photos.setStatus(.queued, error: nil, photoIDs: photoIDs, in: transaction)
            if !rows.isEmpty { try await Self.wakeWorkers(in: transaction) }
            var sends: [Int64: Int] = [:]
            for row in rows { sends[try row.decode("id", as: Int64.self)] = try row.decode("sends", as: Int.self) }
            return sends
        }
    }

    public func requeueStuckPhotos(idle: Duration, maxAttempts: Int) async throws -> [Int64] {
        try await database.transaction { transaction in
            // Locked (PostgreSQL) or serialized by the writer (SQLite): two sweeps never enqueue the same photo twice,
            // and a photo touched meanwhile is re-checked against `updated_at` once its lock is taken.
            let stuck = try await transaction.query(
                """
                SELECT id FROM photos
                WHERE status IN ('queued', 'processing') AND updated_at < \(now: .text, plus: .zero - idle)
                  AND NOT EXISTS (
                      SELECT 1 FROM jobs WHERE jobs.photo_id = photos.id AND jobs.state IN ('available', 'running'))
                ORDER BY id\(Self.skipLocked)
                """
            ).map { try $0.decode("id", as: Int64.self) }
            try await photos.setStatus(.queued, error: nil, photoIDs: stuck, in: transaction)
            for photoID in stuck {
                try await enqueue(.thumbnail(photoID: photoID, maxAttempts: maxAttempts), in: transaction)
            }
            return stuck
        }
    }
}
