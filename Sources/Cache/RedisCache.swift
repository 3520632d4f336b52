import Logging
import NIOConcurrencyHelpers
import Redis

/// The cache in a Redis server, shared by every process with the same `CACHE_URL`. Every call has the client's
/// short command timeout; a failure is logged (at most once per `logInterval`, with a count of the ones not
/// logged) and treated as a miss.
public final class RedisCache: Cache {
    let client: RedisClient
    let logger: Logger
    let logInterval: Duration
    private let logState = NIOLockedValueBox<(last: ContinuousClock.Instant?, suppressed: Int)>((nil, 0))

    public init(
        url: RedisURL,
        options: RedisClient.Options = .init(connectTimeout: .milliseconds(500), commandTimeout: .milliseconds(250)),
        logger: Logger, logInterval: Duration = .seconds(10)
    ) {
        client = RedisClient(url: url, options: options)
        self.logger = logger
        self.logInterval = logInterval
    }

    public var isShared: Bool { true }
    public var description: String { client.url.description }

    public func get(_ key: String) async -> String? {
        await run("get") { try await $0.send(["GET", key]) }?.string
    }

    public func set(_ key: String, _ value: String, ttl: Duration) async {
        _ = await run("set") { try await $0.send(["SET", key, value, "PX", String(Self.milliseconds(ttl))]) }
    }

    public func delete(_ key: String) async {
        _ = await run("delete") { try await $0.send(["DEL", key]) }
    }

    public func increment(_ key: String, ttl: Duration) async -> CounterValue? {
        let ttlMilliseconds = String(Self.milliseconds(ttl))
        // Start the window only if the key is new, count, and read the time left, in one round trip.
        guard
            let replies = await run(
                "increment",
                {
                    try await $0.pipeline([
                        ["SET", key, "0", "PX", ttlMilliseconds, "NX"], ["INCR", key], ["PTTL", key],
                    ])
                }), replies.count == 3, let count = replies[1].integer, var left = replies[2].integer
        else { return nil }
        if left < 0 {
            // The key expired between SET and INCR and came back without an expiry: give it one.
            _ = await run("increment") { try await $0.send(["PEXPIRE", key, ttlMilliseconds]) }
            left = Self.milliseconds(ttl)
        }
        return CounterValue(count: count, resetsIn: .milliseconds(left))
    }

    public func checkHealth() async throws {
        do {
            let reply = try await client.send(["PING"])
            if case .error(let message) = reply { throw CacheError("Redis answered PING with \(message)") }
        } catch let error as RedisError {
            throw CacheError(error.message)
        }
    }

    public func close() async { await client.close() }

    private func run<T: Sendable>(_ operation: String, _ body: (RedisClient) async throws -> T) async -> T? {
        do {
            let value = try await body(client)
            if let reply = value as? RESPValue, case .error(let message) = reply {
                logFailure(operation, message)
                return nil
            }
            return value
        } catch {
            logFailure(operation, (error as? RedisError)?.description ?? "\(error)")
            return nil
        }
    }

    private func logFailure(_ operation: String, _ message: String) {
        let now = ContinuousClock.now
        let interval = logInterval
        let suppressed: Int? = logState.withLockedValue { state in
            if let last = state.last, now - last < interval {
                state.suppressed += 1
                return nil
            }
            let count = state.suppressed
            state = (now, 0)
            return count
        }
        guard let suppressed else { return }
        logger.warning(
            "cache unavailable, continuing uncached",
            metadata: [
                "cache.operation": "\(operation)", "error": "\(message)", "cache.errors_not_logged": "\(suppressed)",
            ])
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(seconds * 1000 + attoseconds / 1_000_000_000_000_000, 1)
    }
}

extension CacheURL {
    /// Opens the cache this URL names.
    public func open(logger: Logger) throws -> any Cache {
        switch self {
        case .memory: return MemoryCache()
        case .redis(let url): return RedisCache(url: url, logger: logger)
        }
    }
}
