import NIOConcurrencyHelpers

/// A per-process cache: a bounded dictionary with expiry. Not shared with other processes: with several app servers
/// or a separate worker, each sees only its own entries.
public final class MemoryCache: Cache {
    private struct Entry {
        var value: String
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
    }

    private let state = NIOLockedValueBox(State())
    /// Most entries kept; when full, expired ones go first, then arbitrary ones (a tenth at a time).
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = max(capacity, 1)
    }

    public var isShared: Bool { false }
    public var description: String { "memory" }

    public func get(_ key: String) async -> String? {
        let now = ContinuousClock.now
        return state.withLockedValue { state in
            guard let entry = state.entries[key] else { return nil }
            guard entry.expires > now else {
                state.entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    public func set(_ key: String, _ value: String, ttl: Duration) async {
        let now = ContinuousClock.now
        let capacity = self.capacity
        state.withLockedValue { state in
            if state.entries[key] == nil, state.entries.count >= capacity {
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= capacity {
                    for key in state.entries.keys.prefix(max(capacity / 10, 1)) { state.entries[key] = nil }
                }
            }
            state.entries[key] = Entry(value: value, expires: now + ttl)
        }
    }

    public func delete(_ key: String) async {
        state.withLockedValue { state in
            state.entries[key] = nil
        }
    }

    public func increment(_ key: String, ttl: Duration) async -> CounterValue? {
        let now = ContinuousClock.now
        let capacity = self.capacity
        return state.withLockedValue { state in
            // Counters are entries holding a number, as in Redis, so `get` reads them too.
            var count: Int64 = 1
            var expires = now + ttl
            if let entry = state.entries[key], entry.expires > now {
                count = (Int64(entry.value) ?? 0) + 1
                expires = entry.expires
            } else if state.entries.count >= capacity {
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= capacity {
                    for key in state.entries.keys.prefix(max(capacity / 10, 1)) { state.entries[key] = nil }
                }
            }
            state.entries[key] = Entry(value: String(count), expires: expires)
            return CounterValue(count: count, resetsIn: expires - now)
        }
    }

    public func checkHealth() async throws {}
}
