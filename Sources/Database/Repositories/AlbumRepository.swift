/// Albums and the album-aware photo queries the gallery pages need.
public protocol AlbumRepository: Sendable {
    /// Every album, newest first, with its count and previews.
    func albumSummaries() async throws -> [AlbumSummary]
    /// Every album by name, without counts or previews (the album choices of a form).
    func albums() async throws -> [Album]
    func album(id: Int64) async throws -> Album?
    /// How many photos the album holds.
    func photoCount(inAlbum id: Int64) async throws -> Int
    /// Creates an album; `name` must already be validated (1–200 characters).
    func createAlbum(name: String) async throws -> Album
    /// Renames an album; nil when there is no such album.
    func renameAlbum(id: Int64, name: String) async throws -> Album?
    /// Newest first within `scope`; `before` is the cursor (an id), exclusive.
    func photos(in scope: PhotoScope, before: Int64?, limit: Int) async throws -> [Photo]
    /// Every photo of an album, oldest first (the ZIP download).
    func allPhotos(inAlbum id: Int64) async throws -> [Photo]
    /// The photos just newer and just older than `photo` within `scope`.
    func neighbours(of photo: Photo, in scope: PhotoScope) async throws -> PhotoNeighbours
    /// Puts the photos into the album (nil: out of every album); returns how many of them existed and were moved,
    /// or nil (moving nothing) when the album does not exist.
    func move(photoIDs: [Int64], toAlbum albumID: Int64?) async throws -> Int?
}
