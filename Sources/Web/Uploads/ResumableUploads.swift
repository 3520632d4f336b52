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
    /// How long one PATCH holds an upload between heartbeats (it renews the lease every third of this while it
    /// works); a PATCH whose server died blocks the next one this long at most.
    public var lease: TimeInterval
    /// The page sends files from this size up as resumable uploads (`TUS_THRESHOLD`).
    public var browserThreshold: Int

    public init(
        uploads: any UploadRepository, store: any ResumableUploadStore, maxChunkBytes: Int = 8 * 1024 * 1024,
        expiry: TimeInterval = 24 * 3600, lease: TimeInterval = 30, browserThreshold: Int = 8_000_000
    ) {
        self.browserThreshold = browserThreshold
        self.uploads = uploads
        self.store = store
        self.maxChunkBytes = maxChunkBytes
        self.expiry = expiry
        self.lease = lease
    }
}
