/// Where photos are recorded. Operations that must be atomic with the queue (insert with its job,
/// ready with its job done) are single calls, so each backend does them in one transaction.
public protocol PhotoRepository: Sendable {
    func photo(id: Int64) async throws -> Photo?
    func photo(hash: String) async throws -> Photo?
    /// Newest first; `before` is the cursor (an id), exclusive.
    func photos(before: Int64?, limit: Int) async throws -> [Photo]
    /// Photos with these ids, in no particular order (for status polling).
    func photos(ids: [Int64]) async throws -> [Photo]
    /// Which of these content hashes a photo has (the sweep's test for orphan originals).
    func existingHashes(_ hashes: [String]) async throws -> Set<String>
    /// Inserts the photo and its thumbnail job in one transaction, or returns the photo that has this hash already.
    func insertWithThumbnailJob(_ photo: NewPhoto, maxAttempts: Int) async throws -> InsertOutcome
    /// Records the derivatives, marks the photo ready and the job done, in one transaction.
    /// Returns false (changing nothing) when the job's lease was lost to another worker.
    func markReady(photoID: Int64, display: DerivativeInfo, thumbnail: DerivativeInfo, completing job: ClaimedJob) async throws -> Bool
    /// Deletes the photo and its jobs; returns what was deleted.
    func delete(id: Int64) async throws -> Photo?
    /// Throws when the database cannot be queried (for `/readyz`).
    func checkHealth() async throws
}
