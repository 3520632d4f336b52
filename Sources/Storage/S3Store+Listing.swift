import Foundation

/// Listing the bucket, for the worker's sweep: originals no photo refers to, and multipart uploads a dead process left.
extension S3Store {
    public func listKeys(
        _ kind: MediaKey.Kind, modifiedBefore cutoff: Date, _ body: @Sendable ([MediaKey]) async throws -> Void
    ) async throws {
        var token: String?
        repeat {
            var query: [SigV4Signer.Field] = [.init("list-type", "2"), .init("prefix", kind.rawValue + "/")]
            if let token { query.append(.init("continuation-token", token)) }
            let response = try await execute(
                S3Request(method: .GET, keyPath: nil, query: query), operation: "ListObjectsV2")
            try check(response, operation: "ListObjectsV2")
            let page = S3XML.values(of: "Contents", in: response.text).compactMap { entry -> MediaKey? in
                guard let path = S3XML.value(of: "Key", in: entry), let key = MediaKey(path: path),
                    let modified = S3XML.value(of: "LastModified", in: entry).flatMap(Self.parseTimestamp),
                    modified < cutoff
                else { return nil }
                return key
            }
            if !page.isEmpty { try await body(page) }
            token =
                S3XML.value(of: "IsTruncated", in: response.text) == "true"
                ? S3XML.value(of: "NextContinuationToken", in: response.text) : nil
        } while token != nil
    }

    public func removeStaleTemporaryFiles(olderThan age: TimeInterval) async throws -> Int {
        let cutoff = Date().addingTimeInterval(-age)
        var removed = POSIXFile.removeFiles(in: temporaryDirectory, modifiedBefore: cutoff)
        let response = try await execute(
            S3Request(method: .GET, keyPath: nil, query: [.init("uploads", "")]), operation: "ListMultipartUploads")
        try check(response, operation: "ListMultipartUploads")
        for upload in S3XML.values(of: "Upload", in: response.text) {
            guard let path = S3XML.value(of: "Key", in: upload), let key = MediaKey(path: path),
                let uploadID = S3XML.value(of: "UploadId", in: upload),
                let initiated = S3XML.value(of: "Initiated", in: upload).flatMap(Self.parseTimestamp),
                initiated < cutoff
            else { continue }
            await abortUpload(keyPath: key.path, uploadID: uploadID)
            removed += 1
        }
        return removed
    }

    /// S3's ISO 8601 times, with or without fractional seconds (`2026-11-29T10:00:00.000Z`).
    static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
