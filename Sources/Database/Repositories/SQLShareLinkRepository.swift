import Foundation

/// `ShareLinkRepository` over either dialect. A link is found by the unique index on `token_hash`; guests' photos
/// by `album_photos.added_by_link`.
public struct SQLShareLinkRepository: ShareLinkRepository {
    let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    static let columnNames = [
        "id", "token_hash", "album_id", "photo_id", "owner_id", "password_hash", "allow_download", "allow_upload",
        "allow_view", "expires_at", "revoked_at", "created_at",
    ]
    static let columns = columnNames.joined(separator: ", ")
    /// PostgreSQL types a NULL bound in a SELECT list as text; the insert's columns need it typed.
    static let bigint: SQLStatement = "\(postgres: "::bigint", sqlite: "")"
    static let qualified = columnNames.map { "share_links." + $0 }.joined(separator: ", ")

    public func create(_ link: NewShareLink) async throws -> ShareLink? {
        // INSERT … SELECT from the target: a link to an album or photo deleted meanwhile (or a photo in the trash)
        // inserts nothing.
        let target: SQLStatement =
            switch link.target {
            case .album(let id): "FROM albums WHERE id = \(id)"
            case .photo(let id): "FROM photos WHERE id = \(id) AND \(SQLPhotoRepository.live)"
            }
        return try await database.write(
            """
            INSERT INTO share_links (token_hash, album_id, photo_id, owner_id, password_hash, allow_download,
                                     allow_upload, allow_view, expires_at, created_at)
            SELECT \(link.tokenHash), \(link.target.albumID)\(Self.bigint), \(link.target.photoID)\(Self.bigint),
                   \(link.ownerID)\(Self.bigint), \(link.passwordHash)\(postgres: "::text", sqlite: ""),
                   \(link.permissions.download), \(link.permissions.upload), \(link.permissions.view),
                   \(link.expiresAt)\(postgres: "::timestamptz", sqlite: ""), \(now: .text) \(target)
            RETURNING \(raw: Self.columns)
            """
        ).first.map(ShareLink.init)
    }

    public func link(tokenHash: String) async throws -> ShareLink? {
        try await database.read("SELECT \(raw: Self.columns) FROM share_links WHERE token_hash = \(tokenHash)")
            .first.map(ShareLink.init)
    }

    public func link(id: Int64) async throws -> ShareLink? {
        try await database.read("SELECT \(raw: Self.columns) FROM share_links WHERE id = \(id)").first.map(
            ShareLink.init)
    }

    public func links(ownerID: Int64?) async throws -> [ShareLinkSummary] {
        let owner: SQLStatement = ownerID.map { "share_links.owner_id = \($0)" } ?? "1 = 1"
        return try await database.read(
            """
            SELECT \(raw: Self.qualified), coalesce(albums.name, photos.original_name) AS target_name,
                   (SELECT count(*) FROM album_photos WHERE album_photos.added_by_link = share_links.id)
                   AS guest_uploads
            FROM share_links
            LEFT JOIN albums ON albums.id = share_links.album_id
            LEFT JOIN photos ON photos.id = share_links.photo_id
            WHERE \(owner) ORDER BY share_links.id DESC
            """
        ).map { row in
            ShareLinkSummary(
                link: try ShareLink(row: row), targetName: try row.decode("target_name"),
                guestUploadCount: try row.decode("guest_uploads"))
        }
    }

    public func revoke(id: Int64, ownerID: Int64?) async throws -> Bool {
        let owner: SQLStatement = ownerID.map { " AND owner_id = \($0)" } ?? ""
        return try await !database.write(
            """
            UPDATE share_links SET revoked_at = \(now: .text) WHERE id = \(id) AND revoked_at IS NULL\(owner)
            RETURNING id
            """
        ).isEmpty
    }

    public func guestUploads(linkID: Int64, limit: Int) async throws -> [Photo] {
        try await database.read(
            """
            SELECT \(SQLPhotoRepository.selected), album_photos.album_id AS member_album
            FROM album_photos JOIN photos ON photos.id = album_photos.photo_id
            WHERE album_photos.added_by_link = \(linkID) AND \(SQLPhotoRepository.live)
            ORDER BY album_photos.added_at DESC, album_photos.photo_id DESC LIMIT \(limit)
            """
        ).map(Photo.init)
    }

    public func photos(hashes: [String], inAlbum albumID: Int64, addedByLink linkID: Int64?) async throws -> [Photo] {
        guard !hashes.isEmpty else { return [] }
        let link: SQLStatement = linkID.map { " AND album_photos.added_by_link = \($0)" } ?? ""
        return try await database.read(
            """
            SELECT \(SQLPhotoRepository.selected) FROM photos
            JOIN album_photos ON album_photos.photo_id = photos.id AND album_photos.album_id = \(albumID)\(link)
            WHERE photos.hash \(in: hashes) AND \(SQLPhotoRepository.live)
            """
        ).map(Photo.init)
    }

    public func photos(ids: [Int64], inAlbum albumID: Int64) async throws -> [Photo] {
        guard !ids.isEmpty else { return [] }
        return try await database.read(
            """
            SELECT \(SQLPhotoRepository.selected) FROM album_photos JOIN photos ON photos.id = album_photos.photo_id
            WHERE album_photos.album_id = \(albumID) AND album_photos.photo_id \(in: ids) AND \(SQLPhotoRepository.live)
            """
        ).map(Photo.init)
    }
}

extension ShareLink {
    /// Builds a link from a row selected with `SQLShareLinkRepository.columns`.
    init(row: SQLRow) throws {
        let album: Int64? = try row.decode("album_id")
        let photo: Int64? = try row.decode("photo_id")
        guard let target = album.map(ShareTarget.album) ?? photo.map(ShareTarget.photo) else {
            throw DatabaseError(.corruptRow, "a share link names neither an album nor a photo")
        }
        self.init(
            id: try row.decode("id"), tokenHash: try row.decode("token_hash"), target: target,
            ownerID: try row.decode("owner_id"), passwordHash: try row.decode("password_hash"),
            permissions: SharePermissions(
                download: try row.decode("allow_download"), upload: try row.decode("allow_upload"),
                view: try row.decode("allow_view")),
            expiresAt: try row.decode("expires_at"), revokedAt: try row.decode("revoked_at"),
            createdAt: try row.decode("created_at"))
    }
}
