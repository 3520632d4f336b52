/// Turning S3's error answers into `StorageError`s whose messages say what to fix, without secrets.
extension S3Store {
    /// Maps a non-2xx answer. `keyPath` nil means a bucket-level call, where a bare 404 means the bucket is missing.
    func failure(_ response: S3Response, operation: String, keyPath: String?) -> StorageError {
        let code = S3XML.value(of: "Code", in: response.text)
        let status = response.status.code
        let bucket = configuration.bucket
        let server = "\(endpoint.scheme)://\(endpoint.authority)"
        let label = code.map { "\(status) \($0)" } ?? "\(status)"
        switch code {
        case "SignatureDoesNotMatch":
            return StorageError(
                .accessDenied,
                "the object store rejected the request signature (\(label)): check AWS_SECRET_ACCESS_KEY, S3_REGION and the system clock"
            )
        case "InvalidAccessKeyId":
            return StorageError(
                .accessDenied, "the object store does not know this access key (\(label)): check AWS_ACCESS_KEY_ID")
        case "RequestTimeTooSkewed":
            return StorageError(
                .accessDenied,
                "the object store rejected the request because this machine's clock is off by too much (\(label)): fix the clock (NTP)"
            )
        case "ExpiredToken", "TokenRefreshRequired", "InvalidToken":
            return StorageError(
                .accessDenied, "the object store rejected the session token (\(label)): refresh AWS_SESSION_TOKEN")
        case "NoSuchBucket":
            return StorageError(
                .notFound, "bucket \"\(bucket)\" does not exist at \(server) (\(label)): create it or fix S3_BUCKET")
        case "NoSuchKey": return StorageError(.notFound, "the stored object \(keyPath ?? "?") is missing (\(label))")
        case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException":
            return StorageError(
                .invalidConfiguration,
                "bucket \"\(bucket)\" is not in region \(configuration.region)\(regionHint(response)) (\(label)): fix S3_REGION or S3_ENDPOINT"
            )
        default: break
        }
        switch status {
        case 301, 307:
            return StorageError(
                .invalidConfiguration,
                "bucket \"\(bucket)\" is not in region \(configuration.region)\(regionHint(response)) (\(label)): fix S3_REGION or S3_ENDPOINT"
            )
        case 403:
            // HEAD answers carry no body, so a bare 403 cannot say which of these it was.
            return StorageError(
                .accessDenied,
                "the object store denied \(operation) on bucket \"\(bucket)\" (\(label)): the credentials are wrong, lack permission, or the clock is skewed"
            )
        case 404 where keyPath == nil:
            return StorageError(
                .notFound, "bucket \"\(bucket)\" does not exist at \(server) (\(label)): create it or fix S3_BUCKET")
        case 404: return StorageError(.notFound, "the stored object \(keyPath ?? "?") is missing (\(label))")
        case 500...: return StorageError(.unavailable, "the object store failed \(operation) (\(label))")
        default: return StorageError(.unavailable, "the object store refused \(operation) (\(label))")
        }
    }

    private func regionHint(_ response: S3Response) -> String {
        response.headers.first(name: "x-amz-bucket-region").map { " but in \($0)" } ?? ""
    }
}
