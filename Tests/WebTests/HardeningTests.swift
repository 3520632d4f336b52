import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import NIOCore
import Storage
import Testing

@testable import Web

/// What a hostile client sees: security headers, request ids, clean errors, multipart limits, a full disk.
@Suite("Hardening")
struct HardeningTests {
    @Test("pages carry a strict CSP; every answer carries nosniff and a referrer policy")
    func securityHeaders() async throws {
        try await withTestApp { _, client in
            let page = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            let csp = try #require(page.headers[.contentSecurityPolicy])
            for directive in [
                "default-src 'self'", "script-src 'self'", "img-src 'self'", "frame-ancestors 'none'",
                "form-action 'self'", "base-uri 'none'",
            ] {
                #expect(csp.contains(directive))
            }
            #expect(!csp.contains("unsafe-inline"))
            #expect(!page.text.contains("<script>"), "no inline script in the page")
            #expect(!page.text.contains("style=\""), "no inline style in the page")
            for uri in ["/", "/static/css/app.css", "/photos?limit=1", "/nothing-here", "/healthz"] {
                let response = try await client.execute(uri: uri, method: .get, headers: [.accept: "application/json"])
                #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(uri)")
            }
            let json = try await client.execute(uri: "/photos", method: .get, headers: [.accept: "application/json"])
            #expect(json.headers[.contentSecurityPolicy] == nil)
        }
    }

    @Test("the CSP lets pages load images from the object store's origin, and placeholders as data URLs")
    func policyNamesMediaOrigin() {
        let policy = SecurityHeaders.policy(mediaOrigins: ["https://bucket.example.com"])
        #expect(policy.contains("img-src 'self' data: https://bucket.example.com;"))
    }

    @Test("originals are served as downloads, derivatives inline")
    func originalsAreAttachments() async throws {
        try await withTestApp { workspace, client in
            let response = try await client.upload(.files([("a.jpg", try TestImages.jpeg(width: 16, height: 16))]))
            #expect(response.status == .created)
            let photo = try #require((response.json["photos"] as? [[String: Any]])?.first)
            let urls = try #require(photo["urls"] as? [String: Any])
            let original = try #require(urls["original"] as? String)
            let served = try await client.execute(uri: original, method: .get)
            #expect(served.status == .ok)
            #expect(served.headers[.contentDisposition] == "attachment")
            #expect(served.headers[.xContentTypeOptions] == "nosniff")
            try await workspace.runWorkerUntilIdle()
            let (_, again) = try await client.getJSON("/photos/\(photo["id"]!)")
            let display = try #require((again["urls"] as? [String: Any])?["display"] as? String)
            let shown = try await client.execute(uri: display, method: .get)
            #expect(shown.status == .ok)
            #expect(shown.headers[.contentDisposition] == nil)
        }
    }

    @Test("a sane X-Request-ID is echoed; a hostile one is replaced by a fresh id")
    func requestIDs() async throws {
        try await withTestApp { _, client in
            let name = HTTPField.Name("X-Request-ID")!
            let kept = try await client.execute(uri: "/healthz", method: .get, headers: [name: "abc-123_x.y"])
            #expect(kept.headers[name] == "abc-123_x.y")
            for hostile in ["a b", "<script>", String(repeating: "a", count: 200), "x\"y"] {
                let replaced = try await client.execute(uri: "/healthz", method: .get, headers: [name: hostile])
                let id = try #require(replaced.headers[name])
                #expect(id != hostile)
                #expect(id.count == 36)
            }
            let fresh = try await client.execute(uri: "/nothing", method: .get)
            #expect(fresh.status == .notFound)
            #expect(fresh.headers[name]?.count == 36)
        }
    }

    @Test("path traversal in media and photo URLs is refused without touching the disk")
    func traversal() async throws {
        try await withTestApp { _, client in
            for uri in [
                "/media/../data/memories.sqlite3", "/media/%2e%2e/data/memories.sqlite3",
                "/media/original/..%2f..%2fetc",
                "/media/.tmp/", "/media/original/", "/media/original/%00.jpg", "/media/original\\..\\x.jpg",
                "/static/../Package.swift", "/static/%2e%2e/Package.swift", "/photos/..%2f1", "/photos/1%00",
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: [.accept: "application/json"])
                #expect([400, 404].contains(response.status.code), "\(uri) answered \(response.status)")
                #expect(!response.text.contains("CREATE TABLE"), "\(uri)")
                #expect(!response.text.contains("swift-tools-version"), "\(uri)")
            }
        }
    }

    @Test("error answers show no paths, Swift types or stack traces")
    func errorsShowNothingInternal() async throws {
        let jpeg = try TestImages.jpeg(width: 16, height: 16)
        try await withTestApp { workspace, client in
            let originals = workspace.store.root + "/original"
            try FileManager.default.removeItem(atPath: originals)
            try Data("not a folder".utf8).write(to: URL(fileURLWithPath: originals))
            for accept in ["application/json", "text/html"] {
                let response = try await client.upload(.files([("x.jpg", jpeg)]), accept: accept)
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
                for leak in [workspace.root, "/tmp", "POSIXFile", "StorageError", "Failure(", ".swift", "errno"] {
                    #expect(!response.text.contains(leak), "\(accept) answer shows \(leak)")
                }
            }
            try FileManager.default.removeItem(atPath: originals)
            try FileManager.default.removeItem(atPath: workspace.store.root)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.json["message"] as? String == "The media storage is not reachable.")
            #expect(!ready.text.contains(workspace.root))
        }
    }

    @Test(
        "multipart: too many parts, huge part headers, a missing boundary and a truncated body are 400 and leave nothing"
    )
    func multipartLimits() async throws {
        let jpeg = try TestImages.jpeg(width: 16, height: 16)
        try await withTestApp { workspace, client in
            var many = MultipartBody.files([("a.jpg", jpeg)])
            many.parts += Array(
                repeating: MultipartBody.Part(name: "x", fileName: nil, contentType: nil, bytes: []), count: 600)
            var hugeHeader = MultipartBody.files([("a.jpg", jpeg)])
            hugeHeader.parts[0].contentType = "image/jpeg; x=" + String(repeating: "a", count: 100_000)
            var endless = MultipartBody.files([("a.jpg", jpeg)]).buffer
            endless.writeString(
                "--\(MultipartBody.files([]).boundary)\r\nX-Long: " + String(repeating: "b", count: 200_000))
            let truncated = MultipartBody.files([("a.jpg", jpeg)]).buffer.getSlice(at: 0, length: 300)!
            var nonASCII = ByteBuffer(string: "--\(MultipartBody.files([]).boundary)\r\n")
            nonASCII.writeBytes(
                [0xC3, 0xA9, 0xFF] + Array(": x\r\n\r\nzz\r\n--\(MultipartBody.files([]).boundary)--\r\n".utf8))
            let cases: [(String, String, ByteBuffer)] = [
                (
                    "a non-ASCII part header name (crashed the process with multipart-kit's parser)", many.contentType,
                    nonASCII
                ),
                ("too many parts", many.contentType, many.buffer),
                ("huge part header", hugeHeader.contentType, hugeHeader.buffer),
                ("a part header that never ends", many.contentType, endless),
                ("no boundary", "multipart/form-data", MultipartBody.files([("a.jpg", jpeg)]).buffer),
                ("truncated", many.contentType, truncated),
            ]
            for (name, type, body) in cases {
                let response = try await client.execute(
                    uri: "/photos", method: .post, headers: [.contentType: type, .accept: "application/json"],
                    body: body)
                #expect(response.status == .badRequest, "\(name): \(response.status) \(response.text)")
                #expect(response.json["error"] as? String == "bad_request", "\(name)")
                #expect(workspace.mediaFiles().isEmpty, "\(name) left \(workspace.mediaFiles())")
                #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.store.temporaryDirectory).isEmpty)
            }
            #expect(try await workspace.count("photos") == 0)
        }
    }

    @Test("bytes that look like the start of a boundary are kept: the stored file is exactly what was sent")
    func boundaryLookalikes() async throws {
        let boundary = MultipartBody.files([]).boundary
        var bytes = try TestImages.jpeg(width: 16, height: 16)
        for index in 0..<2000 {
            bytes += [0x0D, 0x0A, 0x2D, 0x2D] + Array(boundary.utf8.prefix(index % (boundary.utf8.count - 1)))
            bytes += [0x0D, UInt8(index % 256), 0x0D, 0x0D, 0x0A]
        }
        let sent = bytes
        try await withTestApp { _, client in
            let response = try await client.upload(.files([("edge.jpg", sent)]))
            #expect(response.status == .created)
            let photo = try #require((response.json["photos"] as? [[String: Any]])?.first)
            #expect(photo["hash"] as? String == UploadTests.sha256(sent))
            #expect(photo["bytes"] as? Int == sent.count)
        }
    }

    @Test("a full disk answers 507 with a readable message and leaves no partial file")
    func fullDisk() async throws {
        let jpeg = try TestImages.jpeg(width: 16, height: 16)
        try await withTestApp(store: FullDiskStore.make()) { workspace, client in
            let response = try await client.upload(.files([("x.jpg", jpeg)]))
            #expect(response.status.code == 507)
            #expect(response.json["error"] as? String == "insufficient_storage")
            #expect((response.json["message"] as? String)?.contains("disk is full") == true)
            #expect(try await workspace.count("photos") == 0)
        }
    }

    @Test("over MAX_CONCURRENT_UPLOADS the upload is refused with 503 and Retry-After")
    func concurrentUploadCap() async throws {
        let limiter = UploadLimiter(limit: 1)
        let entered = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        async let first: Void = limiter.withSlot {
            entered.continuation.yield()
            for await _ in release.stream { break }
        }
        for await _ in entered.stream { break }
        await #expect(throws: APIError.self) { try await limiter.withSlot {} }
        do {
            try await limiter.withSlot {}
        } catch let error as APIError {
            #expect(error.status == .serviceUnavailable)
            #expect(error.code == "too_many_uploads")
        }
        release.continuation.yield()
        try await first
        try await limiter.withSlot {}
    }

    @Test("metrics name routes by pattern and count upload bytes and statuses")
    func metricsNames() async throws {
        try await withTestApp { _, client in
            let upload = try await client.upload(.files([("a.jpg", try TestImages.jpeg(width: 16, height: 16))]))
            #expect(upload.status == .created)
            _ = try await client.execute(uri: "/photos/1", method: .get, headers: [.accept: "application/json"])
            _ = try await client.execute(uri: "/photos/424242", method: .get, headers: [.accept: "application/json"])
            _ = try await client.execute(uri: "/no/such/page/123", method: .get)
            _ = try await client.execute(uri: "/static/css/app.css", method: .get)
            let text = try await client.execute(uri: "/metrics", method: .get).text
            #expect(text.contains("memories_http_requests_total{"))
            #expect(text.contains("route=\"/photos/{id}\""))
            #expect(text.contains("status=\"404\""))
            #expect(text.contains("route=\"unmatched\""))
            #expect(text.contains("route=\"/static/*\""))
            #expect(!text.contains("/photos/424242"))
            #expect(!text.contains("/no/such/page"))
            #expect(text.contains("memories_http_request_duration_seconds_bucket{"))
            #expect(text.contains("memories_upload_bytes_total"))
        }
    }
}

/// A local store whose disk is full: moving an upload into place fails with ENOSPC, as `LocalStore` reports it.
struct FullDiskStore: MediaStore {
    let base: LocalStore

    static func make() throws -> FullDiskStore {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("memories-full-\(UUID().uuidString)")
            .path
        return FullDiskStore(base: try LocalStore(root: root))
    }

    func put(_ key: MediaKey, movingFile path: String, contentType: String) async throws -> Bool {
        try? FileManager.default.removeItem(atPath: path)
        throw StorageError(.outOfSpace, "the media disk is full")
    }
    func put(_ key: MediaKey, bytes: [UInt8], contentType: String) async throws {
        throw StorageError(.outOfSpace, "the media disk is full")
    }
    func withLocalFile<T: Sendable>(_ key: MediaKey, _ body: @Sendable (String) async throws -> T) async throws -> T {
        try await base.withLocalFile(key, body)
    }
    func size(of key: MediaKey) async throws -> Int? { try await base.size(of: key) }
    func delete(_ key: MediaKey) async throws { try await base.delete(key) }
    func url(for key: MediaKey) -> String { base.url(for: key) }
    func checkHealth() async throws { try await base.checkHealth() }
    func listKeys(
        _ kind: MediaKey.Kind, modifiedBefore cutoff: Date, _ body: @Sendable ([MediaKey]) async throws -> Void
    ) async throws {
        try await base.listKeys(kind, modifiedBefore: cutoff, body)
    }
    func removeStaleTemporaryFiles(olderThan age: TimeInterval) async throws -> Int {
        try await base.removeStaleTemporaryFiles(olderThan: age)
    }
    var temporaryDirectory: String { base.temporaryDirectory }
}
