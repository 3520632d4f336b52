import Database
import Foundation
import Storage

/// What the tus endpoints need beside the other web services: where uploads in progress are recorded, the store
/// that assembles their chunks, and their limits (`TUS_MAX_CHUNK_BYTES`, `UPLOAD_EXPIRY_HOURS`).
public struct ResumableUploads: Sendable {
    public var uploads: any UploadRepository
    public var store: any ResumableUploadStore
    /// Largest body of one PATCH: a request of a few MB passes any proxy.
    public var maxChunkBytes: Int
    /// An unfinished upload expires this long after its last chunk (or its creation).
    public var expiry: TimeInterval
    /// How long one PATCH may hold an upload; a PATCH that died without releasing it blocks others this long at most.
    public var lease: TimeInterval

    public init(
        uploads: any UploadRepository, store: any ResumableUploadStore, maxChunkBytes: Int = 8 * 1024 * 1024,
        expiry: TimeInterval = 24 * 3600, lease: TimeInterval = 300
    ) {
        self.uploads = uploads
        self.store = store
        self.maxChunkBytes = maxChunkBytes
        self.expiry = expiry
        self.lease = lease
    }
}

extension Upload {
    /// The storage-side view of this upload's state.
    var staged: StagedUpload {
        StagedUpload(id: id, tempPath: tempPath, multipartID: s3UploadID, partETags: partETags, tail: tail)
    }

    /// Takes the storage-side state after a chunk was stored.
    mutating func update(from staged: StagedUpload) {
        tempPath = staged.tempPath
        s3UploadID = staged.multipartID
        partETags = staged.partETags
        tail = staged.tail
    }
}
