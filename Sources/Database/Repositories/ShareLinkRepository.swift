/// Share links: made, found by their token's hash, listed for their owner and revoked; and the photos guests
/// uploaded through them.
public protocol ShareLinkRepository: Sendable {
    /// Stores a new link; its album or photo must exist (nil otherwise).
    func create(_ link: NewShareLink) async throws -> ShareLink?
    /// The link whose token has this SHA-256: one lookup in the unique index, the whole cost of opening a link.
    func link(tokenHash: String) async throws -> ShareLink?
    func link(id: Int64) async throws -> ShareLink?
    /// Every link of `ownerID` (every link when nil: a server without sign-in), newest first.
    func links(ownerID: Int64?) async throws -> [ShareLinkSummary]
    /// Revokes the link at once (it answers 410 from now on); false when there is no such link of `ownerID`'s (any
    /// owner's when nil) or it was already revoked.
    func revoke(id: Int64, ownerID: Int64?) async throws -> Bool
    /// The photos guests added to the album through the link, newest first.
    func guestUploads(linkID: Int64, limit: Int) async throws -> [Photo]
    /// Those of `hashes` that are in the album; with `addedByLink`, only those that came in through that link (a
    /// drop box shows a guest nothing else).
    func photos(hashes: [String], inAlbum albumID: Int64, addedByLink linkID: Int64?) async throws -> [Photo]
    /// Those of `ids` that are in the album.
    func photos(ids: [Int64], inAlbum albumID: Int64) async throws -> [Photo]
}
