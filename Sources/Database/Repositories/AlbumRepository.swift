/// Albums, their members, and the timeline-ordered photo queries the gallery and album pages need.
public protocol AlbumRepository: Sendable {
    /// One page of albums, newest first, with their counts and previews (the cover first); `before` is the last
    /// album id of the previous page (exclusive).
    func albumSummaries(before: Int64?, limit: Int) async throws -> [AlbumSummary]
    /// The albums changed most recently first, at most `limit` (the album choices of a form: a library of
    /// thousands of albums must not put thousands of options on every page).
    func recentAlbums(limit: Int) async throws -> [Album]
    /// These albums, by name.
    func albums(ids: [Int64]) async throws -> [Album]
    func album(id: Int64) async throws -> Album?
    /// How many photos the album holds.
    func photoCount(inAlbum id: Int64) async throws -> Int
    /// Creates an album; `name` must already be validated (1–200 characters).
    func createAlbum(name: String) async throws -> Album
    /// Renames an album; nil when there is no such album.
    func renameAlbum(id: Int64, name: String) async throws -> Album?
    /// Sets the album's cover to one of its photos (nil: none); nil when there is no such album or the photo is not
    /// in it.
    func setCover(albumID: Int64, photoID: Int64?) async throws -> Album?
    /// Deletes the album, never its photos; false when there was no such album.
    func deleteAlbum(id: Int64) async throws -> Bool
    /// One page of `scope`, newest first by (`taken_at`, `id`).
    func photos(in scope: PhotoScope, page: PhotoPageQuery) async throws -> [Photo]
    /// Every photo of an album, oldest first (the ZIP download).
    func allPhotos(inAlbum id: Int64) async throws -> [Photo]
    /// The photos just newer and just older than `photo` within `scope`.
    func neighbours(of photo: Photo, in scope: PhotoScope) async throws -> PhotoNeighbours
    /// Adds the photos that exist to the album; returns the ids that were not in it before, or nil (adding nothing)
    /// when the album does not exist.
    func add(photoIDs: [Int64], toAlbum albumID: Int64) async throws -> [Int64]?
    /// Takes the photos out of the album (they stay in the gallery); returns the ids that were in it, or nil when
    /// the album does not exist.
    func remove(photoIDs: [Int64], fromAlbum albumID: Int64) async throws -> [Int64]?
}
