import Foundation

/// A job's place in its life, stored as stable snake_case text.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case available
    case running
    case done
    case failed
}

/// The kinds of job; persisted, so never renamed.
public enum JobKind {
    public static let thumbnail = "thumbnail"

    /// The payload of a photo's thumbnail job.
    public static func thumbnailPayload(photoID: Int64) -> String { "{\"photo_id\":\(photoID)}" }
}

/// A job to enqueue.
public struct NewJob: Sendable, Equatable {
    public var kind: String
    /// JSON text.
    public var payload: String
    public var photoID: Int64?
    public var maxAttempts: Int
    /// The W3C `traceparent` of the span that enqueued it, so the worker's spans join that trace; nil with
    /// tracing off.
    public var traceparent: String?

    public init(kind: String, payload: String, photoID: Int64?, maxAttempts: Int, traceparent: String? = nil) {
        self.kind = kind
        self.payload = payload
        self.photoID = photoID
        self.maxAttempts = maxAttempts
        self.traceparent = traceparent
    }

    /// The job that makes a photo's display image and thumbnail.
    public static func thumbnail(photoID: Int64, maxAttempts: Int, traceparent: String? = nil) -> NewJob {
        NewJob(
            kind: JobKind.thumbnail, payload: JobKind.thumbnailPayload(photoID: photoID), photoID: photoID,
            maxAttempts: maxAttempts, traceparent: traceparent)
    }
}

/// A job a worker holds under a lease.
public struct ClaimedJob: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var kind: String
    public var payload: String
    public var photoID: Int64?
    /// Attempts so far, this one included (counted when claimed).
    public var attempt: Int
    public var maxAttempts: Int
    public var workerID: String
    /// The enqueuing span's W3C `traceparent`, when the job was enqueued with tracing on.
    public var traceparent: String?

    public init(
        id: Int64, kind: String, payload: String, photoID: Int64?, attempt: Int, maxAttempts: Int, workerID: String,
        traceparent: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.photoID = photoID
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.workerID = workerID
        self.traceparent = traceparent
    }
}

/// Queue depth by state and the age of the oldest waiting job, for `/metrics` and operators.
public struct QueueStats: Sendable, Equatable {
    public var counts: [JobState: Int]
    public var oldestAvailableAge: TimeInterval?
    /// With an external transport (`QUEUE=sqs`): the outbox and the broker's own counts; nil with the database.
    public var transport: TransportStats?

    public init(counts: [JobState: Int], oldestAvailableAge: TimeInterval?, transport: TransportStats? = nil) {
        self.counts = counts
        self.oldestAvailableAge = oldestAvailableAge
        self.transport = transport
    }
}

/// The outbox (jobs committed but not yet handed to the broker) and the broker's counts (`QUEUE=sqs`).
public struct TransportStats: Sendable, Equatable {
    /// Jobs waiting in the outbox to be sent.
    public var outboxDepth: Int
    /// Seconds the oldest of them has waited; nil when none waits.
    public var oldestPendingAge: TimeInterval?
    /// Messages received by workers and not yet deleted (SQS's `ApproximateNumberOfMessagesNotVisible`); nil when
    /// the broker did not answer.
    public var inFlight: Int?
    /// Messages waiting in the broker (`ApproximateNumberOfMessages`).
    public var waiting: Int?
    /// Messages in the dead-letter queue.
    public var deadLetters: Int?

    public init(
        outboxDepth: Int, oldestPendingAge: TimeInterval?, inFlight: Int?, waiting: Int?, deadLetters: Int?
    ) {
        self.outboxDepth = outboxDepth
        self.oldestPendingAge = oldestPendingAge
        self.inFlight = inFlight
        self.waiting = waiting
        self.deadLetters = deadLetters
    }
}

/// A job that failed for good, as `app jobs` lists it.
public struct FailedJob: Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var photoID: Int64?
    public var attempts: Int
    public var error: String?
    public var failedAt: Date

    public init(id: Int64, kind: String, photoID: Int64?, attempts: Int, error: String?, failedAt: Date) {
        self.id = id
        self.kind = kind
        self.photoID = photoID
        self.attempts = attempts
        self.error = error
        self.failedAt = failedAt
    }
}
