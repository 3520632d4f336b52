/// How many times to try a request that failed transiently, and how long to wait between tries.
struct S3RetryPolicy: Sendable {
    var maxAttempts: Int
    /// The first backoff ceiling; each later attempt doubles it, up to `maximumDelay`.
    var baseDelay: Duration = .milliseconds(100)
    var maximumDelay: Duration = .seconds(5)

    /// "Full jitter" (a uniform delay up to the exponential ceiling), so many clients backing off from one
    /// overloaded server do not retry in lockstep.
    func delay(afterAttempt attempt: Int) -> Duration {
        let ceiling = min(maximumDelay, baseDelay * (1 << min(attempt - 1, 16)))
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        return .nanoseconds(Int64.random(in: 0...max(nanoseconds, 1)))
    }
}
