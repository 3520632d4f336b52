import Database
import Foundation

/// The durable queue: jobs are enqueued in the caller's transaction, claimed under a lease, kept alive by
/// heartbeats, then completed, retried or failed. A job tied to a photo moves the photo's status with it, in the
/// same transaction.
public protocol JobQueue: Sendable {
    /// Adds a job in `transaction` (an upload's, with its photo), so both commit or neither; workers are woken at
    /// commit.
    func enqueue(_ job: NewJob, in transaction: SQLTransaction) async throws
    /// Claims up to `limit` runnable jobs (available and due, or running with an expired lease) for `workerID`,
    /// counting the attempt now. Jobs whose lease expired after their last allowed attempt are failed instead.
    func claim(workerID: String, limit: Int, lease: Duration) async throws -> [ClaimedJob]
    /// Extends the lease of jobs this worker still holds.
    func extendLeases(_ jobIDs: [Int64], workerID: String, lease: Duration) async throws
    /// Puts the job back to run again at `runAt` (a transient failure), or fails it when attempts are used up.
    func retry(_ job: ClaimedJob, error: String, runAt: Date) async throws
    /// Fails the job now (a permanent failure), and its photo with the reason.
    func fail(_ job: ClaimedJob, error: String) async throws
    /// Gives the job back untouched (shutdown), not counting the attempt, so another worker takes it at once.
    func release(_ job: ClaimedJob) async throws
    /// Marks the job done and runs `record` (the photo's results) in the same transaction, if this worker still
    /// holds the job; false (changing nothing) when its lease was lost to another worker.
    @discardableResult
    func complete(
        _ job: ClaimedJob, recording record: (@Sendable (SQLTransaction) async throws -> Void)?
    ) async throws -> Bool
    func stats() async throws -> QueueStats

    /// Failed jobs, most recently failed first, with their reasons (`app jobs`).
    func failedJobs(limit: Int) async throws -> [FailedJob]
    /// Puts failed jobs back to run now with their attempts reset, and their photos back to `queued`.
    /// Returns how many were put back; ids that are not failed jobs are skipped.
    func retryFailed(_ selection: FailedJobSelection) async throws -> Int
    /// Enqueues a new job for each photo stuck in `queued` or `processing` with no available or running job,
    /// untouched for at least `idle` (the worker's sweep). Returns the photos' ids.
    func requeueStuckPhotos(idle: Duration, maxAttempts: Int) async throws -> [Int64]
}

/// Which failed jobs `retryFailed` puts back.
public enum FailedJobSelection: Sendable, Equatable {
    case ids([Int64])
    case all
}

extension JobQueue {
    /// Marks a job done (for jobs whose work has no photo to update).
    @discardableResult
    public func complete(_ job: ClaimedJob) async throws -> Bool {
        try await complete(job, recording: nil)
    }
}
