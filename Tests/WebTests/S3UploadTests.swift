import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import NIOCore
import Testing

@testable import Storage

/// The app with `STORAGE=s3` against a real S3 API server (moto): uploads, worker, URLs, delete, outages.
@Suite("Uploads to S3 (moto)")
struct S3UploadTests {
    static var endpoint: String? { ProcessInfo.processInfo.environment["MEMORIES_TEST_S3_ENDPOINT"] }

    static func makeStore(
        endpoint: String, client: HTTPClient, bucket: String = "memories-\(UUID().uuidString.prefix(8).lowercased())"
    ) async throws -> S3Store {
        let configuration = S3Configuration(
            bucket: bucket, endpoint: endpoint, pathStyle: true, accessKeyID: "testing", secretAccessKey: "testing",
            maxAttempts: 2)
        let store = try S3Store(configuration: configuration, httpClient: client)
        try await store.createBucket()
        return store
    }

    static func fetch(_ url: String, client: HTTPClient) async throws -> (status: Int, bytes: [UInt8]) {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 100 << 20)
        return (Int(response.status.code), Array(body.readableBytesView))
    }

    @Test("upload, worker and delete go to the bucket; media URLs fetch straight from the store")
    func roundTrip() async throws {
        guard let endpoint = Self.endpoint else {
            print("skipped: MEMORIES_TEST_S3_ENDPOINT not set (scripts/test starts moto)")
            return
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let store = try await Self.makeStore(endpoint: endpoint, client: client)
        let jpeg = try TestImages.jpeg(width: 1400, height: 1000, orientation: 6)
        try await withTestApp(store: store) { workspace, app in
            let upload = try await app.upload(.files([("s3.jpg", jpeg)]))
            #expect(upload.status == .created)
            let photo = try #require((upload.json["photos"] as? [[String: Any]])?.first)
            let hash = try #require(photo["hash"] as? String)
            let original = MediaKey(kind: .original, hash: hash, fileExtension: "jpg")
            #expect(try await store.size(of: original) == jpeg.count)
            #expect(workspace.mediaFiles().isEmpty, "nothing is written under MEDIA_ROOT with S3")
            let head = try #require(try await store.headObject(original))
            #expect(head.first(name: "content-type") == "image/jpeg")
            #expect(head.first(name: "cache-control") == "public, max-age=31536000, immutable")
            let originalURL = try #require((photo["urls"] as? [String: Any])?["original"] as? String)
            #expect(originalURL.hasPrefix(endpoint) && originalURL.contains("X-Amz-Signature="))
            let fetched = try await Self.fetch(originalURL, client: client)
            #expect(fetched.status == 200 && fetched.bytes == jpeg)

            try await workspace.runWorkerUntilIdle()
            let (_, ready) = try await app.getJSON("/photos/1")
            #expect(ready["status"] as? String == "ready")
            let urls = try #require(ready["urls"] as? [String: Any])
            let display = try await Self.fetch(try #require(urls["display"] as? String), client: client)
            #expect(display.status == 200)
            let decoded = try TestImages.decode(display.bytes)
            #expect(decoded.width == 1280 && decoded.height == 914)
            let displayHead = try #require(
                try await store.headObject(MediaKey(kind: .display, hash: hash, fileExtension: "jpg")))
            #expect(displayHead.first(name: "cache-control") == "public, max-age=31536000, immutable")
            let gallery = try await app.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(gallery.text.contains(endpoint))

            let deleted = try await app.execute(uri: "/photos/1?permanent=true", method: .delete)
            #expect(deleted.status == .noContent)
            for kind in MediaKey.Kind.allCases {
                #expect(try await store.size(of: MediaKey(kind: kind, hash: hash, fileExtension: "jpg")) == nil)
            }
        }
        try await client.shutdown()
    }

    @Test("a store that does not answer gives 503, a clear message, and leaves nothing behind")
    func storeDown() async throws {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(timeout: .init(connect: .seconds(1), read: .seconds(5))))
        // Port 9 (discard) is closed here: every request is refused, as when the store is down.
        let configuration = S3Configuration(
            bucket: "memories-down", endpoint: "http://127.0.0.1:9", pathStyle: true, accessKeyID: "testing",
            secretAccessKey: "testing", maxAttempts: 2)
        // A temp folder of its own: other tests upload through theirs at the same time.
        let temporary = FileManager.default.temporaryDirectory.path + "/memories-s3-down-\(UUID().uuidString)"
        let store = try S3Store(configuration: configuration, httpClient: client, temporaryDirectory: temporary)
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let jpeg = try TestImages.jpeg(width: 64, height: 64)
        do {
            try await withTestApp(store: store) { workspace, app in
                let refused = try await app.upload(.files([("during.jpg", jpeg)]))
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.json["error"] as? String == "unavailable")
                #expect(try await app.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
                #expect(try await workspace.count("photos") == 0)
                #expect((try? FileManager.default.contentsOfDirectory(atPath: temporary)) == [])
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test("after an outage of the store the app recovers without a restart")
    func recovery() async throws {
        guard Self.endpoint != nil else {
            print("skipped: MEMORIES_TEST_S3_ENDPOINT not set (scripts/test starts moto)")
            return
        }
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(timeout: .init(connect: .seconds(1), read: .seconds(10))))
        let moto = MotoServer(port: Int.random(in: 40_000..<60_000))
        do {
            try await moto.start(client: client)
            let store = try await Self.makeStore(endpoint: moto.endpoint, client: client, bucket: "memories-recovery")
            try await withTestApp(store: store) { workspace, app in
                #expect(
                    try await app.upload(.files([("before.jpg", try TestImages.jpeg(width: 64, height: 64))])).status
                        == .created)
                try await moto.stop(client: client)
                #expect(
                    try await app.upload(.files([("during.jpg", try TestImages.jpeg(width: 70, height: 64))])).status
                        == .serviceUnavailable)
                #expect(try await app.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)
                try await moto.start(client: client)
                try await store.createBucket()  // moto keeps buckets in memory only
                #expect(try await app.execute(uri: "/readyz", method: .get).status == .ok)
                #expect(
                    try await app.upload(.files([("after.jpg", try TestImages.jpeg(width: 80, height: 64))])).status
                        == .created)
                #expect(try await workspace.count("photos") == 2)
            }
        } catch {
            try? await moto.stop(client: client)
            try await client.shutdown()
            throw error
        }
        try await moto.stop(client: client)
        try await client.shutdown()
    }
}

/// A moto server of the test's own on a fixed port, stopped with SIGKILL and started again on the same port.
/// Spawned and reaped with POSIX calls (`ChildProcess`); readiness is judged by whether the port answers.
final class MotoServer: @unchecked Sendable {
    let port: Int
    private var process: ChildProcess?
    var endpoint: String { "http://127.0.0.1:\(port)" }

    init(port: Int) {
        self.port = port
    }

    func start(client: HTTPClient) async throws {
        let process = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["moto_server", "-H", "127.0.0.1", "-p", String(port)],
            environment: ProcessInfo.processInfo.environment, logPath: "/dev/null")
        self.process = process
        for _ in 0..<300 {
            if await answers(client) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw StorageError(.unavailable, "moto_server did not start on port \(port)")
    }

    func stop(client: HTTPClient) async throws {
        guard let process else { return }
        await process.kill()
        self.process = nil
        for _ in 0..<100 {
            if !(await answers(client)) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func answers(_ client: HTTPClient) async -> Bool {
        (try? await client.execute(HTTPClientRequest(url: endpoint), timeout: .seconds(1))) != nil
    }
}
