import Cache
import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing
import Web

/// The gallery's cached grid, the upload rate limit and whose address counts.
@Suite("Cache and rate limits")
struct CacheAndRateLimitTests {
    @Test("the gallery grid is cached until a change bumps the generation")
    func galleryFragmentInvalidation() async throws {
        let cache = MemoryCache()
        try await withTestApp(cache: cache, galleryCacheSeconds: 300) { workspace, client in
            let empty = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(empty.text.contains("No photos yet"))
            // An upload through HTTP bumps the generation: the next gallery shows the photo at once.
            let upload = try await client.upload(
                .files([("one.jpg", try TestImages.uniqueJPEG(width: 64, height: 48, tag: "one"))]))
            #expect(upload.status == .created)
            let queued = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(queued.text.contains("data-status=\"queued\""))
            // The worker here does not touch the cache: the cached grid is served, still queued.
            try await workspace.runWorkerUntilIdle()
            let stale = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(stale.text.contains("data-status=\"queued\""))
            // What the real worker does after recording a job: every server's next read renders afresh.
            await GalleryCache.invalidate(cache)
            let ready = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(ready.text.contains("data-status=\"ready\""))
            // The grid is shared, the page around it is not: each visitor keeps their own CSRF token.
            let other = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(other.text.contains("data-status=\"ready\""))
            #expect(csrfToken(in: ready.text) != csrfToken(in: other.text))
            #expect(ready.headers[.cacheControl] == "no-store")
            // A delete bumps it too.
            let deleted = try await client.execute(
                uri: "/photos/1", method: .delete, headers: [.accept: "application/json"])
            #expect(deleted.status == .noContent)
            let after = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(after.text.contains("No photos yet"))
        }
    }

    @Test("uploads past UPLOAD_RATE_PER_MINUTE answer 429 with Retry-After, and nothing is stored")
    func uploadRateLimit() async throws {
        try await withTestApp(uploadRatePerMinute: 3) { workspace, client in
            for index in 0..<3 {
                let response = try await client.upload(
                    .files([("\(index).jpg", try TestImages.uniqueJPEG(width: 32, height: 32, tag: "r\(index)"))]))
                #expect(response.status == .created)
            }
            let refused = try await client.upload(
                .files([("4.jpg", try TestImages.uniqueJPEG(width: 32, height: 32, tag: "r4"))]))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.json["error"] as? String == "rate_limited")
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap(Int.init))
            #expect((1...3600).contains(retryAfter))
            let page = try await client.upload(.files([("5.jpg", [0xFF])]), accept: "text/html")
            #expect(page.status == .tooManyRequests)
            #expect(page.text.contains("Too many uploads"))
            #expect(page.headers[.retryAfter] != nil)
            let (_, list) = try await client.getJSON("/photos")
            #expect((list["photos"] as? [Any])?.count == 3)
            // Reading is not limited.
            #expect(try await client.execute(uri: "/", method: .get).status == .ok)
        }
    }

    @Test("a rate limiter counts per key and starts a new window")
    func limiterPerKey() async throws {
        let limiter = RateLimiter(cache: MemoryCache(), limit: 2, window: .milliseconds(300), name: "test")
        #expect(await limiter.admit("a") == .allowed)
        #expect(await limiter.admit("a") == .allowed)
        #expect(await limiter.admit("b") == .allowed)
        guard case .limited(let retryAfter) = await limiter.admit("a") else {
            Issue.record("the third in a window is refused")
            return
        }
        #expect(retryAfter == 1)
        try await Task.sleep(for: .milliseconds(600))
        #expect(await limiter.admit("a") == .allowed)
        #expect(await RateLimiter(cache: MemoryCache(), limit: 0, name: "off").admit("a") == .allowed)
    }

    @Test("TRUSTED_PROXIES parses addresses and ranges, v4 and v6")
    func trustedProxiesParsing() throws {
        let proxies = try TrustedProxies(parsing: "10.0.0.1, 192.168.0.0/16 ,::1,fd00::/8, 172.16.0.0/12")
        for trusted in ["10.0.0.1", "192.168.44.3", "::1", "fd12:3456::1", "172.31.255.255", "::ffff:10.0.0.1"] {
            #expect(proxies.contains(trusted), "\(trusted)")
        }
        for untrusted in ["10.0.0.2", "192.169.0.1", "::2", "fe80::1", "172.32.0.1", "nonsense", ""] {
            #expect(!proxies.contains(untrusted), "\(untrusted)")
        }
        #expect(try TrustedProxies(parsing: "").contains("127.0.0.1") == false)
        #expect(try TrustedProxies(parsing: "0.0.0.0/0").contains("8.8.8.8"))
        for bad in ["10.0.0.256", "10.0.0.0/33", "::/129", "example.com", "10.0.0.1/x"] {
            #expect(throws: TrustedProxiesError.self) { try TrustedProxies(parsing: bad) }
        }
    }

    @Test("the client is the peer unless the peer is trusted; then the right-most untrusted X-Forwarded-For hop")
    func clientAddress() throws {
        let proxies = try TrustedProxies(parsing: "127.0.0.1, 10.0.0.0/8")
        #expect(proxies.clientAddress(peer: "203.0.113.9", forwardedFor: ["1.2.3.4"]) == "203.0.113.9")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["1.2.3.4"]) == "1.2.3.4")
        // A client's forged hop on the left is ignored: the proxy appended the real one.
        #expect(
            proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 198.51.100.7, 10.1.2.3"])
                == "198.51.100.7")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["6.6.6.6", "198.51.100.7"]) == "198.51.100.7")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: []) == "127.0.0.1")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["garbage"]) == "127.0.0.1")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["2001:db8::1"]) == "2001:db8::1")
        #expect(TrustedProxies.none.clientAddress(peer: "127.0.0.1", forwardedFor: ["1.2.3.4"]) == "127.0.0.1")
    }

    private func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf-token\" content=\"") else { return nil }
        return String(html[range.upperBound...].prefix(64))
    }
}
