import NIOCore
import NIOHTTP1
import Testing

@testable import Storage

/// S3 error answers become messages that say what to fix, with the right code, and never a secret.
@Suite struct S3ErrorMappingTests {
    static let store = try! S3Store(
        configuration: S3Configuration(
            bucket: "photos", endpoint: "http://127.0.0.1:9", accessKeyID: "AKIDEXAMPLE", secretAccessKey: "top-secret"
        ),
        httpClient: .shared
    )

    static func map(
        _ status: HTTPResponseStatus, _ code: String?, key: String? = "original/x.jpg", headers: HTTPHeaders = [:]
    ) -> StorageError {
        let body = code.map { "<?xml version=\"1.0\"?><Error><Code>\($0)</Code><Message>m</Message></Error>" } ?? ""
        return store.failure(
            S3Response(status: status, headers: headers, body: ByteBuffer(string: body)), operation: "Op", keyPath: key)
    }

    @Test func credentialProblems() {
        let signature = Self.map(.forbidden, "SignatureDoesNotMatch")
        #expect(signature.code == .accessDenied)
        #expect(signature.message.contains("AWS_SECRET_ACCESS_KEY"))
        let key = Self.map(.forbidden, "InvalidAccessKeyId")
        #expect(key.code == .accessDenied)
        #expect(key.message.contains("AWS_ACCESS_KEY_ID"))
        let skew = Self.map(.forbidden, "RequestTimeTooSkewed")
        #expect(skew.code == .accessDenied)
        #expect(skew.message.contains("clock"))
        let bare = Self.map(.forbidden, nil)
        #expect(bare.code == .accessDenied)
        #expect(bare.message.contains("clock"))
        for error in [signature, key, skew, bare] {
            #expect(!error.description.contains("top-secret"))
        }
    }

    @Test func missingBucketAndKey() {
        let bucket = Self.map(.notFound, "NoSuchBucket")
        #expect(bucket.code == .notFound)
        #expect(bucket.message.contains("\"photos\""))
        let bareBucket = Self.map(.notFound, nil, key: nil)
        #expect(bareBucket.code == .notFound)
        #expect(bareBucket.message.contains("S3_BUCKET"))
        let key = Self.map(.notFound, "NoSuchKey")
        #expect(key.code == .notFound)
        #expect(key.message.contains("original/x.jpg"))
    }

    @Test func wrongRegion() {
        let error = Self.map(.movedPermanently, "PermanentRedirect", headers: ["x-amz-bucket-region": "eu-west-1"])
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("eu-west-1"))
        #expect(error.message.contains("S3_REGION"))
    }
}
