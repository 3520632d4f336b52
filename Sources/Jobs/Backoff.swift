/// Exponential backoff with jitter for retried jobs: base × 2^(attempt−1), capped, then scaled by a random 50–100 %.
public struct Backoff: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(2), cap: Duration = .seconds(600)) {
        self.base = base
        self.cap = cap
    }

    /// The delay before the attempt after `attempt` (1-based), with `jitter` in 0...1 (random in production).
    public func delay(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let raw = base * (1 << exponent)
        let capped = raw > cap ? cap : raw
        return capped * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }
}
