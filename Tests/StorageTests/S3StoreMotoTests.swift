import AsyncHTTPClient
import Foundation
import MemoriesTestSupport
import NIOCore
import Testing

@testable import Storage

/// `S3Store` against a real S3 API server (moto, from `scripts/services/moto.sh`), one bucket per test.
/// Without `MEMORIES_TEST_S3_ENDPOINT` each test prints why it skipped and passes.
@Suite struct S3StoreMotoTests {
    /// A failure injected into one multipart part.
    struct InjectedFailure: Error {}

    @Test func putFromFileSizeAndReadBackAreIdentical() async throws {
        guard let store = try await TestSupport.motoStore() else { return }
        // About the size of a 12 MP JPEG.
        let bytes = TestSupport.bytes(count: 3 * 1024 * 1024 + 123)
        let path = try TestSupport.writeTemporaryFile(bytes)
        let key = TestSupport.key()

        let clock = ContinuousClock()
        let start = clock.now
        let stored = try await store.put(key, movingFile: path, contentType: "image/jpeg")
        let elapsed = clock.now - start
        print("throughput: 3 MB put (single PUT, hashed) took \(elapsed), \(Self.rate(bytes.count, elapsed))")

        #expect(stored)
        #expect(!FileManager.default.fileExists(atPath: path), "the file is consumed")
        #expect(try await store.size(of: key) == bytes.count)
        let (seenPath, same) = try await store.withLocalFile(key) { local in
            (local, try Data(contentsOf: URL(fileURLWithPath: local)) == Data(bytes))
        }
        #expect(same, "the bytes read back are the bytes written")
        #expect(!FileManager.default.fileExists(atPath: seenPath), "the downloaded copy is removed afterwards")
        #expect(seenPath.hasPrefix(FileManager.default.temporaryDirectory.path))
    }

    @Test func objectsCarryContentTypeAndCacheControl() async throws {
        guard let store = try await TestSupport.motoStore() else { return }
        let fileKey = TestSupport.key(.original)
        let path = try TestSupport.writeTemporaryFile(TestSupport.bytes(count: 1000))
        #expect(try await store.put(fileKey, movingFile: path, contentType: "image/jpeg"))
        let bytesKey = TestSupport.key(.thumbnail, ext: "png")
        try await store.put(bytesKey, bytes: TestSupport.bytes(count: 500), contentType: "image/png")

        let fileHeaders = try #require(try await store.headObject(fileKey))
        #expect(fileHeaders.first(name: "content-type") == "image/jpeg")
        #expect(fileHeaders.first(name: "cache-control") == "public, max-age=31536000, immutable")
        let bytesHeaders = try #require(try await store.headObject(bytesKey))
        #expect(bytesHeaders.first(name: "content-type") == "image/png")
        #expect(bytesHeaders.first(name: "cache-control") == "public, max-age=31536000, immutable")
        #expect(try await store.size(of: bytesKey) == 500)
    }

    @Test func duplicatePutReturnsFalseAndConsumesTheFile() async throws {
        guard let store = try await TestSupport.motoStore() else { return }
        let bytes = TestSupport.bytes(count: 4096)
        let key = TestSupport.key()
        #expect(
            try await store.put(key, movingFile: try TestSupport.writeTemporaryFile(bytes), contentType: "image/jpeg"))
        let second = try TestSupport.writeTemporaryFile(bytes)
        #expect(try await store.put(key, movingFile: second, contentType: "image/jpeg") == false)
        #expect(!FileManager.default.fileExists(atPath: second))
    }

    @Test func deleteThenSizeIsNil() async throws {
        guard let store = try await TestSupport.motoStore() else { return }
        let key = TestSupport.key(.display)
        try await store.put(key, bytes: [1, 2, 3], contentType: "image/jpeg")
        #expect(try await store.size(of: key) == 3)
        try await store.delete(key)
        #expect(try await store.size(of: key) == nil)
        try await store.delete(key)  // deleting a missing object is not an error
    }

    @Test func readingAMissingObjectIsNotFound() async throws {
        guard let store = try await TestSupport.motoStore() else { return }
        await #expect { try await store.withLocalFile(TestSupport.key()) { _ in 0 } } throws: { error in
            (error as? StorageError)?.code == .notFound
        }
    }

    @Test func fortyMegabytesGoUpAsMultipart() async throws {
        guard let store = try await TestSupport.motoStore() else { return }
        let bytes = TestSupport.bytes(count: 40 * 1024 * 1024, seed: 42)
        let expectedHash = SigV4Signer.hexSHA256(bytes)
        let path = try TestSupport.writeTemporaryFile(bytes)
        let key = TestSupport.key()

        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await store.put(key, movingFile: path, contentType: "image/jpeg"))
        let elapsed = clock.now - start
        print(
            "throughput: 40 MB put (multipart, 5 parts, 4 in flight) took \(elapsed), \(Self.rate(bytes.count, elapsed))"
        )

        let headers = try #require(try await store.headObject(key))
        let parts = (40 * 1024 * 1024 + store.configuration.partSize - 1) / store.configuration.partSize
        let etag = try #require(headers.first(name: "etag"))
        #expect(etag.replacingOccurrences(of: "\"", with: "").hasSuffix("-\(parts)"), "ETag \(etag)")
        #expect(headers.first(name: "cache-control") == S3Store.cacheControl)
        #expect(try await store.size(of: key) == bytes.count)
        let downloaded = try await store.withLocalFile(key) { try TestSupport.sha256(ofFile: $0) }
        #expect(downloaded == expectedHash)
        #expect(try await store.listMultipartUploads().isEmpty)
    }

    @Test func failedMultipartIsAbortedLeavingNoUploads() async throws {
        guard
            var store = try await TestSupport.motoStore(configure: {
                $0.multipartThreshold = 5 * 1024 * 1024
                $0.partSize = 5 * 1024 * 1024
            })
        else { return }
        let observer = store
        store.partUploadFault = { number in
            // Let parts 1 and 2 land first, so there really is an open upload with parts to clean up.
            if number == 3 {
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await observer.listMultipartUploads().count == 1, "the upload is open before the failure")
                throw InjectedFailure()
            }
        }
        let path = try TestSupport.writeTemporaryFile(TestSupport.bytes(count: 16 * 1024 * 1024))
        defer { POSIXFile.removeIfPresent(path) }
        let key = TestSupport.key()
        await #expect(throws: InjectedFailure.self) {
            try await store.put(key, movingFile: path, contentType: "image/jpeg")
        }
        #expect(try await store.listMultipartUploads().isEmpty)
        #expect(try await store.size(of: key) == nil)
        #expect(FileManager.default.fileExists(atPath: path), "a failed put leaves the file to the caller")
    }

    @Test func listingFindsKeysOfOneKindByAgeAndTheSweepAbortsStaleUploads() async throws {
        guard let store = try await TestSupport.motoStore() else { return }
        let originals = [TestSupport.key(.original), TestSupport.key(.original)]
        for key in originals {
            try await store.put(key, bytes: TestSupport.bytes(count: 100), contentType: "image/jpeg")
        }
        try await store.put(TestSupport.key(.display), bytes: TestSupport.bytes(count: 100), contentType: "image/jpeg")
        let found = KeyList()
        try await store.listKeys(.original, modifiedBefore: Date().addingTimeInterval(60)) { await found.add($0) }
        #expect(Set(await found.keys) == Set(originals), "only originals, all of them")
        let none = KeyList()
        try await store.listKeys(.original, modifiedBefore: Date().addingTimeInterval(-3600)) { await none.add($0) }
        #expect(await none.keys.isEmpty, "nothing is older than an hour")

        // An upload a dead process left open is aborted. (moto reports every upload as initiated in 2010, so the
        // sparing of young uploads cannot be seen here; it is the same date comparison as the listing's.)
        let key = TestSupport.key()
        let created = try await store.execute(
            S3Request(method: .POST, keyPath: key.path, query: [.init("uploads", "")]),
            operation: "CreateMultipartUpload")
        try store.check(created, operation: "CreateMultipartUpload", keyPath: key.path)
        #expect(try await store.listMultipartUploads().count == 1)
        #expect(try await store.removeStaleTemporaryFiles(olderThan: 86_400) >= 1)
        #expect(try await store.listMultipartUploads().isEmpty)
    }

    @Test func presignedURLWorksWithAPlainGet() async throws {
        guard let store = try await TestSupport.motoStore() else { return }
        let key = TestSupport.key(.display)
        let bytes = TestSupport.bytes(count: 70_000, seed: 7)
        try await store.put(key, bytes: bytes, contentType: "image/jpeg")
        let url = store.url(for: key)
        #expect(url.contains("X-Amz-Signature="))
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        #expect(response.status == .ok)
        let body = try await response.body.collect(upTo: 1 << 20)
        #expect(Array(buffer: body) == bytes)
        #expect(response.headers.first(name: "content-type") == "image/jpeg")
    }

    @Test func missingBucketIsAClearNotFoundFromCheckHealth() async throws {
        guard let endpoint = TestSupport.environment("MEMORIES_TEST_S3_ENDPOINT") else {
            print("skipped: MEMORIES_TEST_S3_ENDPOINT not set (missingBucketIsAClearNotFoundFromCheckHealth)")
            return
        }
        let bucket = TestSupport.uniqueBucket()
        let store = try S3Store(
            configuration: S3Configuration(
                bucket: bucket, endpoint: endpoint, accessKeyID: "test", secretAccessKey: "test"),
            httpClient: .shared
        )
        do {
            try await store.checkHealth()
            Issue.record("checkHealth passed on a bucket that does not exist")
        } catch let error as StorageError {
            #expect(error.code == .notFound)
            #expect(error.message.contains(bucket))
            #expect(error.message.contains("S3_BUCKET"))
        }
        try await store.createBucket()
        try await store.checkHealth()
    }

    @Test func unreachableEndpointIsUnavailable() async throws {
        // A port that was free a moment ago: nothing listens, so connections are refused, like a stopped server.
        let port = try TestPorts.free()
        var configuration = S3Configuration(
            bucket: "photos", endpoint: "http://127.0.0.1:\(port)", accessKeyID: "test", secretAccessKey: "test"
        )
        configuration.requestTimeout = 5
        var clientConfiguration = HTTPClient.Configuration(timeout: .init(connect: .milliseconds(500)))
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        var store = try S3Store(configuration: configuration, httpClient: client)
        store.retryPolicy.baseDelay = .milliseconds(10)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await store.checkHealth()
            Issue.record("checkHealth passed against a closed port")
        } catch let error as StorageError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("after 4 attempts"), "\(error.message)")
        }
        await #expect { try await store.size(of: TestSupport.key()) } throws: {
            ($0 as? StorageError)?.code == .unavailable
        }
        print("unreachable endpoint: two calls failed in \(clock.now - start)")
        try await client.shutdown()
    }

    static func rate(_ bytes: Int, _ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.1f MB/s", Double(bytes) / 1_048_576 / max(seconds, 1e-9))
    }
}

/// Collects keys from `listKeys`' pages.
actor KeyList {
    var keys: [MediaKey] = []
    func add(_ page: [MediaKey]) { keys += page }
}
