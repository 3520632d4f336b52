import AsyncHTTPClient
import Foundation
import NIOCore

/// Resumable uploads on S3: each chunk becomes part of a multipart upload on a staging key (`uploads/<id>`); bytes
/// below the 5 MB part minimum stay in the caller's state (the database) until the next chunk, so no app server
/// keeps anything on its disk between requests. At completion the staging object is copied to its final key.
extension S3Store: ResumableUploadStore {
    /// S3's smallest part but the last.
    public static let minimumPartSize = 5 * 1024 * 1024

    static func stagingKeyPath(_ id: String) -> String { "uploads/" + id }

    public func beginStaging(id: String) async throws -> StagedUpload {
        StagedUpload(id: id, multipartID: try await createMultipartUpload(keyPath: Self.stagingKeyPath(id)))
    }

    public func appendChunk(_ staged: StagedUpload, chunkFile: String, at offset: Int, isLast: Bool) async throws
        -> StagedUpload
    {
        defer { POSIXFile.removeIfPresent(chunkFile) }
        guard let uploadID = staged.multipartID else {
            throw StorageError(.notFound, "the upload has no multipart upload")
        }
        let keyPath = Self.stagingKeyPath(staged.id)
        let length: Int
        do {
            length = try POSIXFile.size(chunkFile) ?? 0
        } catch let error as POSIXFile.Failure {
            throw StorageError(.unavailable, "cannot read the chunk (\(error))", underlying: error)
        }
        var next = staged
        if length >= Self.minimumPartSize || (isLast && length > 0) {
            let region = FileRegion(path: chunkFile, offset: 0, length: length)
            next.partETags.append(
                try await uploadPart(
                    keyPath: keyPath, part: region, number: staged.partETags.count + 1, uploadID: uploadID))
            next.tail = []
        } else if length > 0 {
            // Below the part minimum: kept by the caller and sent in front of the next chunk.
            do {
                next.tail = Array(
                    try FileRegion(path: chunkFile, offset: 0, length: length).read(at: 0, count: length)
                        .readableBytesView)
            } catch let error as POSIXFile.Failure {
                throw StorageError(.unavailable, "cannot read the chunk (\(error))", underlying: error)
            }
        }
        if isLast {
            try await completeMultipartUpload(keyPath: keyPath, uploadID: uploadID, etags: next.partETags)
            next.multipartID = nil
        }
        return next
    }

    public func readStaged(_ staged: StagedUpload, _ body: @Sendable (ByteBuffer) throws -> Void) async throws {
        let keyPath = Self.stagingKeyPath(staged.id)
        let response: HTTPClientResponse
        do {
            response = try await withRetries("GetObject") { try await send(S3Request(method: .GET, keyPath: keyPath)) }
        } catch let error as S3TransientFailure {
            throw StorageError(.unavailable, "cannot read the upload from the object store (\(error))")
        }
        guard (200..<300).contains(response.status.code) else {
            let collected = try? await response.body.collect(upTo: Self.maximumResponseBody)
            throw failure(
                S3Response(status: response.status, headers: response.headers, body: collected ?? ByteBuffer()),
                operation: "GetObject", keyPath: keyPath)
        }
        // The caller's errors (a file that is not an image) pass through as they are; only the connection's are mapped.
        var refusal: (any Error)?
        do {
            for try await chunk in response.body {
                do { try body(chunk) } catch {
                    refusal = error
                    break
                }
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(
                .unavailable,
                "the object store dropped the connection while the upload was read (\(Self.shortReason(error)))")
        }
        if let refusal { throw refusal }
    }

    public func promoteStaged(_ staged: StagedUpload, to key: MediaKey, contentType: String) async throws -> Bool {
        let keyPath = Self.stagingKeyPath(staged.id)
        defer {
            let store = self
            Task { try? await store.deleteObject(keyPath: keyPath) }
        }
        if try await size(of: key) != nil { return false }
        let source = "/" + configuration.bucket + "/" + keyPath
        let response = try await execute(
            S3Request(
                method: .PUT, keyPath: key.path,
                headers: objectHeaders(contentType) + [
                    .init("x-amz-copy-source", source), .init("x-amz-metadata-directive", "REPLACE"),
                ]),
            operation: "CopyObject")
        guard response.isSuccess, !response.text.contains("<Error>") else {
            throw failure(response, operation: "CopyObject", keyPath: key.path)
        }
        return true
    }

    public func discardStaged(_ staged: StagedUpload) async {
        let keyPath = Self.stagingKeyPath(staged.id)
        if let uploadID = staged.multipartID { await abortUpload(keyPath: keyPath, uploadID: uploadID) }
        do {
            try await deleteObject(keyPath: keyPath)
        } catch {
            logger.error("removing a staged upload failed", metadata: ["s3.key": "\(keyPath)", "s3.error": "\(error)"])
        }
    }

    func deleteObject(keyPath: String) async throws {
        let response = try await execute(S3Request(method: .DELETE, keyPath: keyPath), operation: "DeleteObject")
        if response.status == .notFound { return }
        try check(response, operation: "DeleteObject", keyPath: keyPath)
    }
}
