/// Where photos are recorded. What must commit together with the queue (an upload's photo and its job, a job's
/// outcome and its photo) takes the caller's transaction; the queue in Jobs owns those transactions.
public protocol PhotoRepository: Sendable {
    func photo(id: Int64) async throws -> Photo?
    func photo(hash: String) async throws -> Photo?
    /// Every photo by id, newest upload first (for tools that walk them all); `before` is an id, exclusive. Pages
    /// people see walk the timeline instead (`AlbumRepository.photos(in:page:)`).
    func photos(before: Int64?, limit: Int) async throws -> [Photo]
    /// Photos with these ids, in no particular order (for status polling).
    func photos(ids: [Int64]) async throws -> [Photo]
    /// Which of these content hashes a photo has (the sweep's test for orphan originals).
    func existingHashes(_ hashes: [String]) async throws -> Set<String>
    /// Inserts the photo in `transaction`, or returns the photo that has this hash already; either way it joins
    /// the upload's album.
    func insert(_ photo: NewPhoto, in transaction: SQLTransaction) async throws -> InsertOutcome
    /// Moves the photos to `status` in `transaction`, except those already ready.
    func setStatus(_ status: PhotoStatus, error: String?, photoIDs: [Int64], in transaction: SQLTransaction)
        async throws
    /// Records the derivatives (with their WebP twins and placeholder) and marks the photo ready, in `transaction`.
    func markReady(
        photoID: Int64, display: DerivativeInfo, thumbnail: DerivativeInfo, extras: DerivativeExtras,
        in transaction: SQLTransaction
    ) async throws
    /// Corrects when the photo was taken, as if the camera had written it (the original keeps its EXIF); nil when
    /// there is no such photo. The timeline and the photo's albums follow.
    func setCaptureTime(photoID: Int64, to time: CaptureTime) async throws -> Photo?
    /// Stars or unstars the photos; returns the ids that exist.
    func setFavorite(_ favorite: Bool, photoIDs: [Int64]) async throws -> [Int64]
    /// Photos per month, newest month first.
    func timeline() async throws -> [TimelineBucket]
    /// Deletes the photo and its jobs; returns what was deleted.
    func delete(id: Int64) async throws -> Photo?
    /// Throws when the database cannot be queried (for `/readyz`).
    func checkHealth() async throws
}

extension PhotoRepository {
    /// ``markReady(photoID:display:thumbnail:extras:in:)`` without WebP twins or placeholder.
    public func markReady(
        photoID: Int64, display: DerivativeInfo, thumbnail: DerivativeInfo, in transaction: SQLTransaction
    ) async throws {
        try await markReady(
            photoID: photoID, display: display, thumbnail: thumbnail, extras: DerivativeExtras(), in: transaction)
    }
}
