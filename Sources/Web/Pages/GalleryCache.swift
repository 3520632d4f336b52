import Cache

/// Rendered gallery grids in the `Cache`, under keys that carry a generation number. Anything that changes what a
/// grid shows (an upload, a delete, a move, a photo becoming ready or failing in the worker) bumps the generation,
/// so every server's next read misses and renders afresh; old entries simply expire. With the per-process memory
/// cache a separate worker or another server cannot bump this process's generation, so `ttl` must be short there.
public struct GalleryCache: Sendable {
    static let generationKey = "memories:gallery:generation"
    /// The generation key outlives any fragment by far; if it expires, it restarts from 1 and old fragments are gone.
    static let generationLifetime: Duration = .seconds(30 * 24 * 3600)

    public let cache: any Cache
    /// How long a rendered grid is kept.
    public let ttl: Duration

    /// The renders in progress in this process, shared by every copy of this value.
    let renders = SharedRenders()

    public init(cache: any Cache, ttl: Duration) {
        self.cache = cache
        self.ttl = ttl
    }

    /// Marks every cached grid stale (on any process that shares the cache).
    public static func invalidate(_ cache: any Cache) async {
        _ = await cache.increment(generationKey, ttl: generationLifetime)
    }

    /// The cached HTML for `name`, or `render()`'s, stored for next time. When the cache is unreachable this
    /// just renders.
    func fragment(_ name: String, render: @escaping @Sendable () async throws -> String) async throws -> String {
        guard ttl > .zero else { return try await render() }
        let generation = await cache.get(Self.generationKey) ?? "0"
        let key = "memories:gallery:\(generation):\(name)"
        if let html = await cache.get(key) { return html }
        // Rendered from data read after the generation: a bump in between leaves this under a key no one reads.
        // Requests that miss together share one render: when a grid expired under load, every request in flight
        // rendered it again at once (gallery p99 in the hundreds of milliseconds, issue 10).
        let cache = self.cache
        let ttl = self.ttl
        return try await renders.run(key) {
            let html = try await render()
            await cache.set(key, html, ttl: ttl)
            return html
        }
    }
}

/// One render per key at a time: whoever asks while it runs waits for its result instead of rendering again.
actor SharedRenders {
    private var running: [String: Task<String, any Error>] = [:]

    func run(_ key: String, _ work: @escaping @Sendable () async throws -> String) async throws -> String {
        if let task = running[key] { return try await task.value }
        let task = Task { try await work() }
        running[key] = task
        defer { running[key] = nil }
        return try await task.value
    }
}
