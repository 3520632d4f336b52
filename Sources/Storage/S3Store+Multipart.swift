import Foundation

/// Multipart upload for large files: parts read straight from the file, a few in flight, aborted on any failure.
extension S3Store {
    /// S3's ceiling on parts per upload.
    static let maximumPartCount = 10_000

    /// Uploads `region` as a multipart upload; on any failure (including cancellation) the upload is aborted so no
    /// orphan parts keep costing storage.
    func multipartUpload(_ key: MediaKey, region: FileRegion, contentType: String) async throws {
        let uploadID = try await createMultipartUpload(keyPath: key.path, headers: objectHeaders(contentType))
        do {
            let etags = try await uploadParts(key, region: region, uploadID: uploadID)
            try await completeMultipartUpload(keyPath: key.path, uploadID: uploadID, etags: etags)
        } catch {
            // An unstructured task, so a cancelled upload still gets its abort sent.
            let store = self
            await Task { await store.abortUpload(keyPath: key.path, uploadID: uploadID) }.value
            throw error
        }
    }

    /// Starts a multipart upload of `keyPath` and returns its UploadId.
    func createMultipartUpload(keyPath: String, headers: [SigV4Signer.Field] = []) async throws -> String {
        let create = try await execute(
            S3Request(method: .POST, keyPath: keyPath, query: [.init("uploads", "")], headers: headers),
            operation: "CreateMultipartUpload")
        try check(create, operation: "CreateMultipartUpload", keyPath: keyPath)
        guard let uploadID = S3XML.value(of: "UploadId", in: create.text), !uploadID.isEmpty else {
            throw StorageError(
                .unavailable, "the object store answered CreateMultipartUpload for \(keyPath) without an UploadId")
        }
        return uploadID
    }

    /// The part size actually used: the configured one, grown if the file would need more than 10 000 parts.
    func partSize(forLength length: Int) -> Int {
        let minimum = (length + Self.maximumPartCount - 1) / Self.maximumPartCount
        return max(configuration.partSize, minimum)
    }

    /// Sends every part with at most `uploadConcurrency` in flight; returns the ETags in part order.
    private func uploadParts(_ key: MediaKey, region: FileRegion, uploadID: String) async throws -> [String] {
        let size = partSize(forLength: region.length)
        let count = max(1, (region.length + size - 1) / size)
        let concurrency = max(1, configuration.uploadConcurrency)
        return try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var etags = [String](repeating: "", count: count)
            var next = 1
            func part(_ number: Int) -> FileRegion {
                let offset = (number - 1) * size
                return FileRegion(
                    path: region.path, offset: region.offset + offset, length: min(size, region.length - offset))
            }
            func startNext() {
                let (number, piece) = (next, part(next))
                group.addTask {
                    try await partUploadFault?(number)
                    return (
                        number, try await uploadPart(keyPath: key.path, part: piece, number: number, uploadID: uploadID)
                    )
                }
                next += 1
            }
            while next <= min(count, concurrency) { startNext() }
            // A failed part throws out of next(), which cancels and awaits the others before the abort is sent.
            while let (number, etag) = try await group.next() {
                etags[number - 1] = etag
                if next <= count { startNext() }
            }
            return etags
        }
    }

    /// One part: hashed in a streamed pass, then streamed from the file; returns its ETag.
    func uploadPart(keyPath: String, part: FileRegion, number: Int, uploadID: String) async throws -> String {
        let hash = try await hash(part)
        let response = try await execute(
            S3Request(
                method: .PUT, keyPath: keyPath,
                query: [.init("partNumber", String(number)), .init("uploadId", uploadID)],
                body: .file(part), payloadHash: hash),
            operation: "UploadPart")
        try check(response, operation: "UploadPart", keyPath: keyPath)
        guard let etag = response.headers.first(name: "etag") else {
            throw StorageError(
                .unavailable, "the object store answered UploadPart \(number) for \(keyPath) without an ETag")
        }
        return etag
    }

    /// Completes a multipart upload from its parts' ETags (also used for resumable uploads' staging objects).
    func completeMultipartUpload(keyPath: String, uploadID: String, etags: [String]) async throws {
        let parts = etags.enumerated().map { index, etag in
            "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(S3XML.escape(etag))</ETag></Part>"
        }
        let xml =
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" + parts.joined()
            + "</CompleteMultipartUpload>"
        let response = try await execute(
            S3Request(
                method: .POST, keyPath: keyPath, query: [.init("uploadId", uploadID)],
                headers: [.init("Content-Type", "application/xml")], body: .bytes(Array(xml.utf8))),
            operation: "CompleteMultipartUpload")
        // S3 may answer 200 and still report a failure in the body, once it has started streaming whitespace.
        guard response.isSuccess, !response.text.contains("<Error>") else {
            throw failure(response, operation: "CompleteMultipartUpload", keyPath: keyPath)
        }
    }

    /// Best effort: a failed abort is logged (a bucket lifecycle rule is the backstop), never thrown over the cause.
    func abortUpload(keyPath: String, uploadID: String) async {
        do {
            let response = try await execute(
                S3Request(method: .DELETE, keyPath: keyPath, query: [.init("uploadId", uploadID)]),
                operation: "AbortMultipartUpload")
            if !response.isSuccess && response.status != .notFound {
                logger.error(
                    "s3 multipart abort failed",
                    metadata: ["s3.key": "\(keyPath)", "s3.status": "\(response.status.code)"])
            }
        } catch {
            logger.error("s3 multipart abort failed", metadata: ["s3.key": "\(keyPath)", "s3.error": "\(error)"])
        }
    }
}
