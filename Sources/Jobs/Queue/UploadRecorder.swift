import Database
import Tracing

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

    /// Inserts the photo and enqueues its job, both or neither. Traced as `db.transaction` with `queue.enqueue`
    /// inside it; the job carries the enqueue span's `traceparent`, so the worker's spans join this trace.
    public func record(_ photo: NewPhoto) async throws -> InsertOutcome {
        let (database, photos, queue, maxAttempts) = (self.database, self.photos, self.queue, maxJobAttempts)
        return try await withSpan("db.transaction", ofKind: .client) { span in
            span.attributes["db.system"] = database.dialect == .postgres ? "postgresql" : "sqlite"
            span.attributes["db.operation"] = "record_upload"
            return try await database.transaction { transaction in
                let outcome = try await photos.insert(photo, in: transaction)
                if case .created(let created) = outcome {
                    try await withSpan("queue.enqueue", ofKind: .producer) { span in
                        span.attributes["photo.id"] = created.id
                        let job = NewJob.thumbnail(
                            photoID: created.id, maxAttempts: maxAttempts, traceparent: JobTrace.currentTraceparent())
                        try await queue.enqueue(job, in: transaction)
                    }
                }
                return outcome
            }
        }
    }
}
