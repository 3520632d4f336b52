import Redis

/// A shared key-value cache with expiry: the seam between the app and `MemoryCache` or `RedisCache`.
/// Every call is best effort: when the backend is unreachable a read is a miss, a write is dropped and a counter
/// answers nil, so callers keep working uncached. Only `checkHealth` throws.
public protocol Cache: Sendable {
    /// The value stored under `key`, or nil (absent, expired, or the cache is unreachable).
    func get(_ key: String) async -> String?
    /// Stores `value` under `key` for `ttl`.
    func set(_ key: String, _ value: String, ttl: Duration) async
    /// Removes `key`.
    func delete(_ key: String) async
    /// Adds one to the counter `key`, which starts at zero and expires `ttl` after its first increment (a fixed
    /// window). Nil when the cache is unreachable.
    func increment(_ key: String, ttl: Duration) async -> CounterValue?
    /// Throws when the backend cannot be reached (`app check`, `/readyz` does not use it: the app works without).
    func checkHealth() async throws
    /// Whether every process sharing this `CACHE_URL` sees the same entries (Redis), or only this one (memory).
    var isShared: Bool { get }
    /// `memory` or the Redis URL with its password masked.
    var description: String { get }
}

/// A counter after an increment: its value and how long until it resets.
public struct CounterValue: Sendable, Equatable {
    public var count: Int64
    public var resetsIn: Duration

    public init(count: Int64, resetsIn: Duration) {
        self.count = count
        self.resetsIn = resetsIn
    }
}

/// What `CACHE_URL` names: `memory` or `redis://…`.
public enum CacheURL: Sendable, Equatable, CustomStringConvertible {
    case memory
    case redis(RedisURL)

    /// `memory`, or the Redis URL with its password masked.
    public var description: String {
        switch self {
        case .memory: return "memory"
        case .redis(let url): return url.description
        }
    }
}
