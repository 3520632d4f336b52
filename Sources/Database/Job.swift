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

    public init(id: Int64, kind: String, payload: String, photoID: Int64?, attempt: Int, maxAttempts: Int, workerID: String) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.photoID = photoID
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.workerID = workerID
    }
}

/// Queue depth by state and the age of the oldest waiting job, for `/metrics` and operators.
public struct QueueStats: Sendable, Equatable {
    public var counts: [JobState: Int]
    public var oldestAvailableAge: TimeInterval?

    public init(counts: [JobState: Int], oldestAvailableAge: TimeInterval?) {
        self.counts = counts
        self.oldestAvailableAge = oldestAvailableAge
    }
}
