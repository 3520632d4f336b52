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
    /// The photo that has `photo`'s bytes, out of the trash and in `photo.albumID`, as an upload of the same bytes
    /// leaves it, in `transaction`; nil when no photo has them (purged meanwhile: the upload is a new photo).
    func rejoin(_ photo: NewPhoto, in transaction: SQLTransaction) async throws -> Photo?
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
    /// Deletes the photo and its jobs, trashed or not; returns what was deleted. Its files are the caller's to
    /// remove (`MediaPurge`), after this, so no row ever points at a removed file.
    func delete(id: Int64) async throws -> Photo?
    /// Moves the live photos among these to the trash, in one statement; returns the ids it moved.
    func trash(photoIDs: [Int64]) async throws -> [Int64]
    /// Brings the trashed photos among these back, with their albums and star (trashing never touched them);
    /// returns the ids it restored.
    func restore(photoIDs: [Int64]) async throws -> [Int64]
    /// One page of the trash within `scope`, most recently trashed first; `after` is the last photo id of the
    /// previous page (exclusive).
    func trashed(_ scope: TrashScope, after: Int64?, limit: Int) async throws -> [Photo]
    /// Deletes at most `limit` trashed photos within `scope` (oldest in the trash first), only those of `ids` and
    /// trashed longer than `olderThan` ago when given, in one statement; returns what it deleted (their files are
    /// the caller's).
    func purgeTrash(_ scope: TrashScope, ids: [Int64]?, olderThan: Duration?, limit: Int) async throws -> [Photo]
    /// Who owns each of these photos and whether it is in the trash, by id; ids with no photo are absent.
    func ownership(photoIDs: [Int64]) async throws -> [Int64: PhotoOwnership]
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

/// Whose trashed photos a trash query reaches.
public enum TrashScope: Sendable, Equatable {
    /// Every trashed photo (the sweep after `TRASH_DAYS`).
    case everyone
    /// Those the user may delete: their own and those without an owner (nil: an anonymous visitor where sign-in is
    /// not required, who may delete only photos without an owner).
    case deletable(by: Int64?)
}

/// What the ownership rules need of a photo, without reading the whole row.
public struct PhotoOwnership: Sendable, Equatable {
    public var ownerID: Int64?
    public var isTrashed: Bool

    public init(ownerID: Int64?, isTrashed: Bool) {
        self.ownerID = ownerID
        self.isTrashed = isTrashed
    }
}
