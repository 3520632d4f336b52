import Database

/// An upload's last database step: the new photo and its thumbnail job in one transaction, or the photo that already
/// has these bytes (and no new job). `app serve`'s uploads, `app import` and the queue's benchmark all record so.
public struct UploadRecorder: Sendable {
    public let database: any SQLDatabase
    public let photos: any PhotoRepository
    public let queue: any JobQueue
    public let maxJobAttempts: Int

    public init(database: any SQLDatabase, photos: any PhotoRepository, queue: any JobQueue, maxJobAttempts: Int) {
        self.database = database
        self.photos = photos
        self.queue = queue
        self.maxJobAttempts = maxJobAttempts
    }

    /// Inserts the photo and enqueues its job, both or neither.
    public func record(_ photo: NewPhoto) async throws -> InsertOutcome {
        let (photos, queue, maxAttempts) = (self.photos, self.queue, maxJobAttempts)
        return try await database.transaction { transaction in
            let outcome = try await photos.insert(photo, in: transaction)
            if case .created(let created) = outcome {
                try await queue.enqueue(.thumbnail(photoID: created.id, maxAttempts: maxAttempts), in: transaction)
            }
            return outcome
        }
    }
}
