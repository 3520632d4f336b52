/// How a worker claims and runs jobs.
public struct WorkerConfiguration: Sendable {
    /// Jobs run at once (`--concurrency`, default: the number of cores).
    public var concurrency: Int
    /// How long a claimed job is ours before another worker may take it.
    public var lease: Duration
    /// How often held leases are extended; well under `lease`.
    public var heartbeat: Duration
    /// The poll interval after an empty claim starts here and doubles up to `maxPollInterval`.
    public var minPollInterval: Duration
    public var maxPollInterval: Duration
    /// On shutdown, how long running jobs may take to finish before they are released.
    public var shutdownGrace: Duration
    public var backoff: Backoff
    /// Names this worker in `jobs.locked_by`.
    public var workerID: String
    /// While jobs keep coming, how often the worker's free memory is handed back (it always is when the queue
    /// runs dry): often enough that a never-empty queue cannot pile up freed buffers, rarely enough that the
    /// page faults of reusing them cost nothing that shows.
    public var memoryReleaseInterval: Duration = .seconds(10)

    public init(
        concurrency: Int, lease: Duration = .seconds(60), heartbeat: Duration = .seconds(15),
        minPollInterval: Duration = .milliseconds(50), maxPollInterval: Duration = .seconds(2),
        shutdownGrace: Duration = .seconds(20), backoff: Backoff = Backoff(), workerID: String
    ) {
        self.concurrency = max(1, concurrency)
        self.lease = lease
        self.heartbeat = heartbeat
        self.minPollInterval = minPollInterval
        self.maxPollInterval = maxPollInterval
        self.shutdownGrace = shutdownGrace
        self.backoff = backoff
        self.workerID = workerID
    }
}
