import Cache
import Logging
import Testing

@testable import Redis

/// Both caches behind the seam, and the Redis one through an outage.
@Suite(.serialized) struct CacheTests {
    static func exercise(_ cache: any Cache) async throws {
        await cache.set("a", "one", ttl: .seconds(60))
        #expect(await cache.get("a") == "one")
        await cache.set("short", "gone", ttl: .milliseconds(100))
        try await Task.sleep(for: .milliseconds(300))
        #expect(await cache.get("short") == nil)
        await cache.delete("a")
        #expect(await cache.get("a") == nil)
        let first = await cache.increment("counter", ttl: .seconds(60))
        let second = await cache.increment("counter", ttl: .seconds(60))
        #expect(first?.count == 1)
        #expect(second?.count == 2)
        #expect(second.map { $0.resetsIn > .seconds(50) && $0.resetsIn <= .seconds(60) } == true)
        _ = await cache.increment("window", ttl: .milliseconds(200))
        try await Task.sleep(for: .milliseconds(400))
        #expect(await cache.increment("window", ttl: .milliseconds(200))?.count == 1, "a new window starts at one")
        try await cache.checkHealth()
    }

    @Test func memoryCache() async throws {
        try await Self.exercise(MemoryCache())
    }

    @Test func memoryCacheStaysWithinItsCapacity() async throws {
        let cache = MemoryCache(capacity: 100)
        for index in 0..<1000 { await cache.set("k\(index)", "v", ttl: .seconds(60)) }
        var kept = 0
        for index in 0..<1000 where await cache.get("k\(index)") != nil { kept += 1 }
        #expect(kept <= 100 && kept > 0)
        #expect(await cache.get("k999") == "v", "the newest entry is kept")
    }

    @Test func redisCache() async throws {
        let server = try await RedisServer.start()
        defer { server.tearDown() }
        // Generous timeouts: the production ones (250 ms) are about a live site, not a test machine running
        // every suite at once.
        let cache = RedisCache(
            url: server.url, options: .init(connectTimeout: .seconds(5), commandTimeout: .seconds(5)),
            logger: Logger(label: "test"))
        try await Self.exercise(cache)
        await cache.close()
    }

    @Test func redisCacheIsAMissWhileRedisIsDownAndRecovers() async throws {
        let server = try await RedisServer.start()
        defer { server.tearDown() }
        let cache = RedisCache(
            url: server.url,
            options: .init(
                connectTimeout: .seconds(2), commandTimeout: .seconds(2),
                minBackoff: .milliseconds(50), maxBackoff: .milliseconds(200)),
            logger: Logger(label: "test"))
        await cache.set("k", "v", ttl: .seconds(60))
        #expect(await cache.get("k") == "v")
        server.pause()
        #expect(await cache.get("k") == nil, "a silent server is a miss after the timeout")
        server.resume()
        await server.stop()
        #expect(await cache.get("k") == nil)
        #expect(await cache.increment("n", ttl: .seconds(60)) == nil)
        await cache.set("k", "ignored", ttl: .seconds(60))
        await #expect(throws: CacheError.self) { try await cache.checkHealth() }
        try await server.start()
        var back = false
        for _ in 0..<200 where !back {
            await cache.set("k2", "v2", ttl: .seconds(60))
            back = await cache.get("k2") == "v2"
            if !back { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(back)
        await cache.close()
    }

    @Test func parsesCacheURLs() throws {
        #expect(try CacheURL(parsing: "memory") == .memory)
        #expect(try CacheURL(parsing: "redis://:pw@127.0.0.1:6379/1").description == "redis://:***@127.0.0.1:6379/1")
        for bad in ["", "memcached://x", "redis://", "redis://h:99999"] {
            #expect(throws: CacheError.self) { try CacheURL(parsing: bad) }
        }
    }
}
