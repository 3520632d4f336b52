import Foundation
import Testing

@testable import Storage

/// Our signatures checked by something that is not us: a moto instance that verifies SigV4
/// (`scripts/services/moto.sh start --auth`, which creates an IAM user and prints its keys).
@Suite struct S3SignatureVerificationTests {
    /// The authenticating instance's endpoint and keys, or nil (after printing why) when not configured.
    static func authEnvironment(_ caller: String = #function) -> (endpoint: String, keyID: String, secret: String)? {
        guard let endpoint = TestSupport.environment("MEMORIES_TEST_S3_AUTH_ENDPOINT"),
            let keyID = TestSupport.environment("MEMORIES_TEST_S3_AUTH_KEY_ID"),
            let secret = TestSupport.environment("MEMORIES_TEST_S3_AUTH_SECRET")
        else {
            print(
                "skipped: MEMORIES_TEST_S3_AUTH_ENDPOINT not set (\(caller)); start moto with scripts/services/moto.sh --auth"
            )
            return nil
        }
        return (endpoint, keyID, secret)
    }

    static func store(bucket: String, endpoint: String, keyID: String, secret: String) throws -> S3Store {
        let configuration = S3Configuration(
            bucket: bucket, endpoint: endpoint, accessKeyID: keyID, secretAccessKey: secret)
        return try S3Store(configuration: configuration, httpClient: .shared)
    }

    @Test func correctlySignedRequestsSucceed() async throws {
        guard let auth = Self.authEnvironment() else { return }
        let store = try Self.store(
            bucket: TestSupport.uniqueBucket(), endpoint: auth.endpoint, keyID: auth.keyID, secret: auth.secret)
        try await store.createBucket()
        try await store.checkHealth()
        let key = TestSupport.key()
        let bytes = TestSupport.bytes(count: 200_000, seed: 3)
        // HEAD (exists?) then a PUT with a real payload hash.
        #expect(
            try await store.put(key, movingFile: try TestSupport.writeTemporaryFile(bytes), contentType: "image/jpeg"))
        #expect(try await store.size(of: key) == bytes.count)
        let same = try await store.withLocalFile(key) { try Data(contentsOf: URL(fileURLWithPath: $0)) == Data(bytes) }
        #expect(same)
        try await store.put(TestSupport.key(.thumbnail), bytes: [1, 2, 3], contentType: "image/jpeg")
        try await store.delete(key)
        #expect(try await store.size(of: key) == nil)
    }

    @Test func wrongSecretIsAClearAccessDenied() async throws {
        guard let auth = Self.authEnvironment() else { return }
        let bucket = TestSupport.uniqueBucket()
        try await Self.store(bucket: bucket, endpoint: auth.endpoint, keyID: auth.keyID, secret: auth.secret)
            .createBucket()
        let wrong = try Self.store(
            bucket: bucket, endpoint: auth.endpoint, keyID: auth.keyID, secret: auth.secret + "x")
        do {
            try await wrong.checkHealth()
            Issue.record("a wrong secret was accepted")
        } catch let error as StorageError {
            #expect(error.code == .accessDenied)
            #expect(error.message.contains("SignatureDoesNotMatch"), "\(error.message)")
            #expect(error.message.contains("AWS_SECRET_ACCESS_KEY"))
            #expect(!error.message.contains(auth.secret))
        }
        await #expect { try await wrong.put(TestSupport.key(), bytes: [1], contentType: "image/jpeg") } throws: {
            error in
            (error as? StorageError)?.code == .accessDenied
        }
        // HEAD answers have no body, so the mapping can only say "denied", still as access denied.
        await #expect { try await wrong.size(of: TestSupport.key()) } throws: { error in
            (error as? StorageError)?.code == .accessDenied
        }
    }
}
