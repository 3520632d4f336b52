import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Testing

@testable import Storage

/// The retry loop on its own: transient failures are retried with bounded, jittered backoff; others are not.
@Suite struct S3RetryTests {
    /// Counts attempts across the retry loop's closure calls.
    actor Counter {
        var value = 0
        func next() -> Int {
            value += 1
            return value
        }
    }

    static func store() throws -> S3Store {
        var store = try S3Store(
            configuration: S3Configuration(
                bucket: "photos", endpoint: "http://127.0.0.1:9", accessKeyID: "a", secretAccessKey: "b"),
            httpClient: .shared
        )
        store.retryPolicy.baseDelay = .milliseconds(1)
        return store
    }

    static func response(_ status: HTTPResponseStatus, code: String) -> S3Response {
        S3Response(status: status, headers: [:], body: ByteBuffer(string: "<Error><Code>\(code)</Code></Error>"))
    }

    @Test func slowDownIsRetriedUntilItSucceeds() async throws {
        let store = try Self.store()
        let counter = Counter()
        let result = try await store.withRetries("PutObject") { () async throws -> Int in
            let attempt = await counter.next()
            if attempt < 3 { throw S3TransientFailure.status(Self.response(.serviceUnavailable, code: "SlowDown")) }
            return attempt
        }
        #expect(result == 3)
    }

    @Test func attemptsAreBounded() async throws {
        let store = try Self.store()
        let counter = Counter()
        do {
            _ = try await store.withRetries("PutObject") { () async throws -> Int in
                _ = await counter.next()
                throw S3TransientFailure.status(Self.response(.serviceUnavailable, code: "SlowDown"))
            }
            Issue.record("expected a failure")
        } catch let error as StorageError {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("SlowDown"))
            #expect(error.message.contains("after 4 attempts"))
        }
        #expect(await counter.value == 4)
    }

    @Test func permanentErrorsAreNotRetried() async throws {
        let store = try Self.store()
        let counter = Counter()
        await #expect(throws: StorageError.self) {
            _ = try await store.withRetries("GetObject") { () async throws -> Int in
                _ = await counter.next()
                throw StorageError(.notFound, "missing")
            }
        }
        #expect(await counter.value == 1)
    }

    @Test func backoffGrowsAndStaysUnderTheCap() {
        let policy = S3RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(100), maximumDelay: .seconds(1))
        for attempt in 1...10 {
            let ceiling = min(Duration.seconds(1), .milliseconds(100) * (1 << (attempt - 1)))
            for _ in 0..<50 {
                let delay = policy.delay(afterAttempt: attempt)
                #expect(delay >= .zero && delay <= ceiling)
            }
        }
    }
}
