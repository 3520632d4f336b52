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
        var counters: [String: (count: Int64, expires: ContinuousClock.Instant)] = [:]
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
            state.counters[key] = nil
        }
    }

    public func increment(_ key: String, ttl: Duration) async -> CounterValue? {
        let now = ContinuousClock.now
        let capacity = self.capacity
        return state.withLockedValue { state in
            var counter = state.counters[key].flatMap { $0.expires > now ? $0 : nil } ?? (count: 0, expires: now + ttl)
            counter.count += 1
            if state.counters[key] == nil, state.counters.count >= capacity {
                state.counters = state.counters.filter { $0.value.expires > now }
            }
            state.counters[key] = counter
            return CounterValue(count: counter.count, resetsIn: counter.expires - now)
        }
    }

    public func checkHealth() async throws {}
}
