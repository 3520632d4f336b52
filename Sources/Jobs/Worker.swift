import Database
import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import ServiceLifecycle
import Tracing

/// The worker loop as a service: claims as many jobs as it has free slots, runs them, keeps their leases alive,
/// and on graceful shutdown stops claiming, lets running jobs finish within the grace period and releases the rest.
public struct Worker: Service {
    let queue: any JobQueue
    let processor: ThumbnailProcessor
    let configuration: WorkerConfiguration
    let wake: WakeSignal
    let logger: Logger
    /// Called after a job's outcome is recorded (done, failed or retried): the app bumps the gallery cache here.
    let onJobRecorded: @Sendable (ClaimedJob) async -> Void
    /// Called when the queue has run dry after some jobs and none is running, and every
    /// ``WorkerConfiguration/memoryReleaseInterval`` while jobs keep coming: the app hands the memory those jobs
    /// freed back to the system here.
    let releaseMemory: @Sendable () -> Void

    public init(
        queue: any JobQueue, processor: ThumbnailProcessor, configuration: WorkerConfiguration, wake: WakeSignal,
        logger: Logger, onJobRecorded: @escaping @Sendable (ClaimedJob) async -> Void = { _ in },
        releaseMemory: @escaping @Sendable () -> Void = {}
    ) {
        self.onJobRecorded = onJobRecorded
        self.releaseMemory = releaseMemory
        self.queue = queue
        self.processor = processor
        self.configuration = configuration
        self.wake = wake
        self.logger = logger
    }

    public func run() async throws {
        let held = NIOLockedValueBox<[Int64: ClaimedJob]>([:])
        let stopping = NIOLockedValueBox(false)
        logger.info(
            "worker started",
            metadata: ["worker.id": "\(configuration.workerID)", "worker.concurrency": "\(configuration.concurrency)"])
        await withGracefulShutdownHandler {
            // Discarding: a plain task group keeps every finished child until someone awaits it, and nothing here
            // does, so each job left about 10 kB behind until shutdown (the worker's memory grew with every job).
            await withDiscardingTaskGroup { jobs in
                await withTaskGroup(of: Void.self) { background in
                    background.addTask { await self.heartbeat(held: held) }
                    await claimLoop(jobs: &jobs, held: held, stopping: stopping)
                    await drain(jobs: &jobs, held: held)
                    background.cancelAll()
                }
            }
        } onGracefulShutdown: {
            stopping.withLockedValue { $0 = true }
            wake.notify()
        }
        logger.info("worker stopped", metadata: ["worker.id": "\(configuration.workerID)"])
    }

    /// Claims and starts jobs until shutdown or cancellation.
    private func claimLoop(
        jobs: inout DiscardingTaskGroup, held: NIOLockedValueBox<[Int64: ClaimedJob]>, stopping: NIOLockedValueBox<Bool>
    ) async {
        var pollInterval = configuration.minPollInterval
        var ranSinceRelease = false
        var lastRelease = ContinuousClock.now
        while !Task.isCancelled && !stopping.withLockedValue({ $0 }) {
            let free = configuration.concurrency - held.withLockedValue { $0.count }
            if free <= 0 {
                await wake.wait(timeout: configuration.maxPollInterval)
                continue
            }
            let claimed: [ClaimedJob]
            let claimStarted = DefaultTracerClock.now
            do {
                claimed = try await queue.claim(
                    workerID: configuration.workerID, limit: free, lease: configuration.lease)
            } catch {
                logger.error("claiming jobs failed", metadata: ["error": "\(error)"])
                await wake.wait(timeout: configuration.maxPollInterval)
                continue
            }
            if claimed.isEmpty {
                if ranSinceRelease && held.withLockedValue({ $0.isEmpty }) {
                    ranSinceRelease = false
                    lastRelease = .now
                    releaseMemory()
                }
                await wake.wait(timeout: pollInterval)
                pollInterval = min(pollInterval * 2, configuration.maxPollInterval)
                continue
            }
            pollInterval = configuration.minPollInterval
            ranSinceRelease = true
            if ContinuousClock.now - lastRelease >= configuration.memoryReleaseInterval {
                // A queue that never runs dry still gives back what finished jobs left free now and then.
                lastRelease = .now
                releaseMemory()
            }
            let claim = claimStarted...DefaultTracerClock.now
            for job in claimed {
                held.withLockedValue { $0[job.id] = job }
                jobs.addTask {
                    await self.run(job, claim: claim)
                    held.withLockedValue { _ = $0.removeValue(forKey: job.id) }
                    self.wake.notify()
                }
            }
        }
    }

    /// Waits up to the grace period for running jobs, then cancels and releases what is left.
    private func drain(jobs: inout DiscardingTaskGroup, held: NIOLockedValueBox<[Int64: ClaimedJob]>) async {
        let deadline = ContinuousClock.now + configuration.shutdownGrace
        // A cancelled task (not a graceful shutdown) stops at once: waiting would only spin.
        while held.withLockedValue({ !$0.isEmpty }) && ContinuousClock.now < deadline && !Task.isCancelled {
            await wake.wait(timeout: .milliseconds(100))
        }
        let unfinished = held.withLockedValue { Array($0.values) }
        jobs.cancelAll()
        for job in unfinished {
            do {
                try await queue.release(job)
                logger.info("job released at shutdown", metadata: ["job.id": "\(job.id)"])
            } catch {
                logger.error(
                    "releasing a job failed; its lease will expire",
                    metadata: ["job.id": "\(job.id)", "error": "\(error)"])
            }
        }
    }

    /// Extends the leases of held jobs until cancelled.
    private func heartbeat(held: NIOLockedValueBox<[Int64: ClaimedJob]>) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.heartbeat)
            let ids = held.withLockedValue { Array($0.keys) }
            guard !ids.isEmpty, !Task.isCancelled else { continue }
            do {
                try await queue.extendLeases(ids, workerID: configuration.workerID, lease: configuration.lease)
            } catch {
                logger.error("extending leases failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Runs one job and records its outcome; never throws, so one bad job cannot stop the worker. Traced in the
    /// trace of the upload that enqueued it (its `traceparent`): `job.claim` over the claim query that took it
    /// (recorded afterwards: one query claims jobs of several traces), then `job.run` over the work.
    func run(_ job: ClaimedJob, claim: ClosedRange<DefaultTracerClock.Instant>? = nil) async {
        let parent = JobTrace.context(traceparent: job.traceparent)
        if let claim {
            let span = startSpan("job.claim", context: parent, ofKind: .consumer, at: claim.lowerBound)
            span.attributes["job.id"] = job.id
            span.attributes["job.attempt"] = job.attempt
            span.end(at: claim.upperBound)
        }
        await withSpan("job.run", context: parent, ofKind: .consumer) { span in
            span.attributes["job.id"] = job.id
            span.attributes["job.kind"] = job.kind
            span.attributes["job.attempt"] = job.attempt
            if let photoID = job.photoID { span.attributes["photo.id"] = photoID }
            await execute(job, span: span)
        }
    }

    /// The job's work and the record of its outcome, inside its `job.run` span.
    private func execute(_ job: ClaimedJob, span: any Span) async {
        let started = ContinuousClock.now
        var metadata: Logger.Metadata = [
            "job.id": "\(job.id)", "job.kind": "\(job.kind)", "job.attempt": "\(job.attempt)",
        ]
        if let photoID = job.photoID { metadata["photo.id"] = "\(photoID)" }
        let outcome: String
        do {
            switch job.kind {
            case JobKind.thumbnail:
                try await processor.process(job, logger: logger)
            default:
                throw JobError("unknown job kind \(job.kind)", isPermanent: true)
            }
            outcome = "done"
            logger.info(
                "job done",
                metadata: metadata.merging(["job.duration_ms": "\((ContinuousClock.now - started).milliseconds)"]) {
                    $1
                })
        } catch {
            if Task.isCancelled { return }  // shutdown: the drain releases it
            let jobError = error as? JobError ?? JobError("\(error)", isPermanent: false)
            span.recordError(jobError)
            span.setStatus(SpanStatus(code: .error, message: jobError.message))
            metadata["error"] = "\(jobError.message)"
            do {
                if jobError.isPermanent {
                    outcome = "failed"
                    try await queue.fail(job, error: jobError.message)
                    logger.warning("job failed", metadata: metadata)
                } else {
                    outcome = job.attempt < job.maxAttempts ? "retried" : "failed"
                    let delay = configuration.backoff.delay(afterAttempt: job.attempt, jitter: Double.random(in: 0...1))
                    try await queue.retry(job, error: jobError.message, runAt: Date().addingTimeInterval(delay.seconds))
                    logger.warning("job will be retried", metadata: metadata)
                }
            } catch {
                logger.error(
                    "recording a job failure failed; its lease will expire",
                    metadata: metadata.merging(["error": "\(error)"]) { $1 })
                return
            }
        }
        await onJobRecorded(job)
        Counter(label: "memories_jobs_total", dimensions: [("kind", job.kind), ("outcome", outcome)]).increment()
        Timer(label: "memories_job_duration_seconds", dimensions: [("kind", job.kind)]).recordNanoseconds(
            (ContinuousClock.now - started).nanoseconds)
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
    /// Whole nanoseconds.
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
    /// Seconds as a floating-point number.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
