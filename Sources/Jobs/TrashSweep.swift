import Database
import Logging

/// Purges photos that have been in the trash longer than `TRASH_DAYS`: the rows in batches, then their files.
/// Idempotent, so several workers may run it: each row is deleted by one of them, whose purge then removes its files.
public struct TrashSweep: Sendable {
    let photos: any PhotoRepository
    let purge: MediaPurge
    /// How long a photo stays in the trash.
    let retention: Duration
    let logger: Logger
    /// Rows per statement: a long-neglected trash is emptied in several short transactions.
    static let batchSize = 500

    public init(photos: any PhotoRepository, purge: MediaPurge, retention: Duration, logger: Logger) {
        self.photos = photos
        self.purge = purge
        self.retention = retention
        self.logger = logger
    }

    /// Purges every photo trashed longer than the retention ago; returns how many.
    public func run() async throws -> Int {
        var purged = 0
        while true {
            let batch = try await photos.purgeTrash(.everyone, ids: nil, olderThan: retention, limit: Self.batchSize)
            await purge.removeFiles(of: batch)
            purged += batch.count
            if !batch.isEmpty {
                logger.info("sweep purged photos from the trash", metadata: ["count": "\(batch.count)"])
            }
            if batch.count < Self.batchSize { return purged }
        }
    }
}
