import Database
import Foundation
import Logging
import Storage

/// Removes resumable uploads whose expiry passed unfinished: the row, the local temp file, the S3 multipart upload
/// (aborted, so its parts stop costing storage) and the staged object. Idempotent, so several workers may run it.
public struct ExpiredUploadSweep: Sendable {
    let uploads: any UploadRepository
    let store: any ResumableUploadStore
    let logger: Logger

    public init(uploads: any UploadRepository, store: any ResumableUploadStore, logger: Logger) {
        self.uploads = uploads
        self.store = store
        self.logger = logger
    }

    /// Removes every upload expired at `now`; returns how many.
    public func run(now: Date = Date()) async throws -> Int {
        var removed = 0
        while true {
            let batch = try await uploads.expired(now: now, limit: 100)
            for upload in batch {
                // Only the sweeper that deletes the row removes the bytes.
                guard try await uploads.delete(id: upload.id) != nil else { continue }
                await store.discardStaged(upload.staged)
                logger.info(
                    "sweep removed an expired upload",
                    metadata: ["upload.id": "\(upload.id)", "upload.offset": "\(upload.offset)"])
                removed += 1
            }
            if batch.count < 100 { return removed }
        }
    }
}
