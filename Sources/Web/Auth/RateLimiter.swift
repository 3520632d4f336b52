import Cache
import Logging

/// A fixed-window limit of N actions per minute per key (a client address now; a user too once there are accounts),
/// counted in the `Cache`, so every app server sharing a Redis `CACHE_URL` enforces one limit. When the cache
/// cannot count, the action is allowed (fail open) and that is logged by the cache.
public struct RateLimiter: Sendable {
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; try again after this many seconds.
        case limited(retryAfter: Int)
    }

    let cache: any Cache
    /// Actions per window; 0 turns the limit off.
    public let limit: Int
    public let window: Duration
    /// Names the counted action in keys: `upload`.
    let name: String

    public init(cache: any Cache, limit: Int, window: Duration = .seconds(60), name: String) {
        self.cache = cache
        self.limit = limit
        self.window = window
        self.name = name
    }

    /// Counts one action for `key` and says whether it may go ahead.
    public func admit(_ key: String) async -> Decision {
        guard limit > 0 else { return .allowed }
        guard let counter = await cache.increment("memories:rate:\(name):\(key)", ttl: window) else { return .allowed }
        guard counter.count > Int64(limit) else { return .allowed }
        let (seconds, attoseconds) = counter.resetsIn.components
        return .limited(retryAfter: max(Int(seconds) + (attoseconds > 0 ? 1 : 0), 1))
    }
}
