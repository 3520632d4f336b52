import NIOHTTP1

/// Bucket-level calls the store itself never needs, used by tests and by setup tooling.
extension S3Store {
    /// Creates the configured bucket (CreateBucket); an existing bucket owned by us is fine.
    func createBucket() async throws {
        var body: S3Request.Body = .empty
        if configuration.region != "us-east-1" {
            // Every region but us-east-1 must be named in the request body.
            body = .bytes(
                Array(
                    ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>"
                        + configuration.region + "</LocationConstraint></CreateBucketConfiguration>").utf8))
        }
        let response = try await execute(S3Request(method: .PUT, keyPath: nil, body: body), operation: "CreateBucket")
        if S3XML.value(of: "Code", in: response.text) == "BucketAlreadyOwnedByYou" { return }
        try check(response, operation: "CreateBucket")
    }

    /// The upload IDs of multipart uploads still open in the bucket (ListMultipartUploads).
    func listMultipartUploads() async throws -> [String] {
        let response = try await execute(
            S3Request(method: .GET, keyPath: nil, query: [.init("uploads", "")]), operation: "ListMultipartUploads")
        try check(response, operation: "ListMultipartUploads")
        return S3XML.values(of: "UploadId", in: response.text)
    }

    /// The response headers of a HeadObject, or nil when the object does not exist.
    func headObject(_ key: MediaKey) async throws -> HTTPHeaders? {
        let response = try await execute(S3Request(method: .HEAD, keyPath: key.path), operation: "HeadObject")
        if response.status == .notFound { return nil }
        try check(response, operation: "HeadObject", keyPath: key.path)
        return response.headers
    }
}
