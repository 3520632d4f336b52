import Foundation

/// `PhotoRepository` over either dialect. Statements that must commit with a job (the upload's insert, the
/// worker's outcome) take the caller's transaction; the queue in Jobs opens it and adds its own rows.
public struct SQLPhotoRepository: PhotoRepository {
    let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    /// The `photos` columns, as `Photo.init(row:)` reads them (and `RETURNING` gives them).
    static let columnNames = [
        "id", "hash", "original_name", "content_type", "bytes", "width", "height", "orientation", "captured_at",
        "status", "error", "display_ext", "display_width", "display_height", "display_bytes", "thumbnail_ext",
        "thumbnail_width", "thumbnail_height", "thumbnail_bytes", "created_at", "updated_at", "captured_offset",
        "camera_make", "camera_model", "owner_id", "taken_at", "taken_at_source", "favorite", "display_webp_bytes",
        "thumbnail_webp_bytes", "placeholder", "trashed_at",
    ]
    static let columns = columnNames.joined(separator: ", ")
    /// What every SELECT of photos reads: the columns, qualified (album queries join `album_photos`), and the ids
    /// of the photo's albums as text (`3,7`).
    static let selected: SQLStatement = """
        \(raw: columnNames.map { "photos." + $0 }.joined(separator: ", ")),
        (SELECT \(postgres: "string_agg(album_id::text, ',')", sqlite: "group_concat(album_id, ',')")
         FROM album_photos WHERE album_photos.photo_id = photos.id) AS album_ids
        """
    /// The condition every listing people see adds (galleries, albums, the timeline, favourites, covers, counts,
    /// shares, ZIPs): the photo is not in the trash.
    static let live: SQLStatement = "photos.trashed_at IS NULL"

    public func photo(id: Int64) async throws -> Photo? {
        try await database.read("SELECT \(Self.selected) FROM photos WHERE id = \(id)").first.map(Photo.init)
    }

    public func photo(hash: String) async throws -> Photo? {
        try await database.read("SELECT \(Self.selected) FROM photos WHERE hash = \(hash)").first.map(Photo.init)
    }

    public func existingHashes(_ hashes: [String]) async throws -> Set<String> {
        guard !hashes.isEmpty else { return [] }
        let rows = try await database.read("SELECT hash FROM photos WHERE hash \(in: hashes)")
        return Set(try rows.map { try $0.decode("hash", as: String.self) })
    }

    public func photos(before: Int64?, limit: Int) async throws -> [Photo] {
        try await database.read(
            """
            SELECT \(Self.selected) FROM photos WHERE id < \(before ?? Int64.max) ORDER BY id DESC LIMIT \(limit)
            """
        ).map(Photo.init)
    }

    public func photos(ids: [Int64]) async throws -> [Photo] {
        guard !ids.isEmpty else { return [] }
        return try await database.read("SELECT \(Self.selected) FROM photos WHERE id \(in: ids)").map(Photo.init)
    }

    public func insert(_ photo: NewPhoto, in transaction: SQLTransaction) async throws -> InsertOutcome {
        let now = Date()
        let (takenAt, source) = TakenAtSource.takenAt(
            capturedAt: photo.capturedAt, offset: photo.capturedOffset, uploadedAt: now)
        // ON CONFLICT waits for a concurrent insert of the same hash to commit and then skips, so the SELECT
        // after it (a new snapshot) sees the winner.
        let inserted = try await transaction.query(
            """
            INSERT INTO photos (hash, original_name, content_type, bytes, width, height, orientation, captured_at,
                                status, created_at, updated_at, captured_offset, camera_make, camera_model,
                                owner_id, taken_at, taken_at_source)
            VALUES (\(photo.hash), \(photo.originalName), \(photo.contentType), \(photo.bytes), \(photo.width),
                    \(photo.height), \(photo.orientation), \(photo.capturedAt), 'queued', \(now), \(now),
                    \(photo.capturedOffset), \(photo.camera.make), \(photo.camera.model), \(photo.ownerID),
                    \(takenAt), \(source.rawValue))
            ON CONFLICT (hash) DO NOTHING
            RETURNING \(raw: Self.columns)
            """)
        if let row = inserted.first {
            var created = try Photo(row: row)
            if let albumID = photo.albumID {
                try await Self.addToAlbum(
                    albumID, photoIDs: [created.id], addedByLink: photo.addedByLinkID, in: transaction)
                created.albumIDs = [albumID]
            }
            return .created(created)
        }
        guard let found = try await rejoin(photo, in: transaction) else {
            throw DatabaseError(.unavailable, "a photo with this hash was inserted and deleted concurrently; try again")
        }
        return .existing(found)
    }

    public func rejoin(_ photo: NewPhoto, in transaction: SQLTransaction) async throws -> Photo? {
        // The same bytes uploaded again bring a trashed photo back, with no new job: its files are still there.
        // Restoring first takes the row's lock, so a purge of it under way finishes first and leaves no row.
        try await transaction.query(
            """
            UPDATE photos SET trashed_at = NULL, updated_at = \(now: .text)
            WHERE hash = \(photo.hash) AND trashed_at IS NOT NULL
            """)
        let existing = try await transaction.query("SELECT \(Self.selected) FROM photos WHERE hash = \(photo.hash)")
        guard let row = existing.first else { return nil }
        var found = try Photo(row: row)
        // The same bytes uploaded into an album join it, without a second copy.
        if let albumID = photo.albumID,
            try await !Self.addToAlbum(albumID, photoIDs: [found.id], addedByLink: photo.addedByLinkID, in: transaction)
                .isEmpty
        {
            found.albumIDs = (found.albumIDs + [albumID]).sorted()
        }
        return found
    }

    /// Adds the photos that exist to the album in `transaction`; returns the ids that were not in it yet.
    /// `addedByLink` names the share link a guest added them through.
    static func addToAlbum(
        _ albumID: Int64, photoIDs: [Int64], addedByLink: Int64? = nil, in transaction: SQLTransaction
    ) async throws -> [Int64] {
        guard !photoIDs.isEmpty else { return [] }
        return try await transaction.query(
            """
            INSERT INTO album_photos (album_id, photo_id, taken_at, added_at, added_by_link)
            SELECT \(albumID), id, taken_at, \(now: .text), \(addedByLink)\(postgres: "::bigint", sqlite: "")
            FROM photos WHERE id \(in: photoIDs)
            ON CONFLICT DO NOTHING
            RETURNING photo_id
            """
        ).map { try $0.decode("photo_id") }
    }

    public func setCaptureTime(photoID: Int64, to time: CaptureTime) async throws -> Photo? {
        let (takenAt, source) = time.takenAt
        guard
            try await !database.write(
                """
                UPDATE photos SET captured_at = \(time.localTime), captured_offset = \(time.offset), taken_at = \(takenAt),
                    taken_at_source = \(source.rawValue), updated_at = \(now: .text)
                WHERE id = \(photoID) RETURNING id
                """
            ).isEmpty
        else { return nil }
        return try await photo(id: photoID)
    }

    public func setFavorite(_ favorite: Bool, photoIDs: [Int64]) async throws -> [Int64] {
        guard !photoIDs.isEmpty else { return [] }
        return try await database.write(
            """
            UPDATE photos SET favorite = \(favorite), updated_at = \(now: .text) WHERE id \(in: photoIDs) RETURNING id
            """
        ).map { try $0.decode("id") }
    }

    public func timeline() async throws -> [TimelineBucket] {
        try await database.read(
            "SELECT month, photo_count FROM timeline_months WHERE photo_count > 0 ORDER BY month DESC"
        ).map { TimelineBucket(month: try $0.decode("month"), count: try $0.decode("photo_count")) }
    }

    public func setStatus(
        _ status: PhotoStatus, error: String?, photoIDs: [Int64], in transaction: SQLTransaction
    ) async throws {
        guard !photoIDs.isEmpty else { return }
        // A ready photo stays ready: a late retry or a stale lease never hides derivatives that exist.
        try await transaction.query(
            """
            UPDATE photos SET status = \(status.rawValue), error = \(error), updated_at = \(now: .text)
            WHERE id \(in: photoIDs) AND status <> 'ready'
            """)
    }

    public func markReady(
        photoID: Int64, display: DerivativeInfo, thumbnail: DerivativeInfo, extras: DerivativeExtras,
        in transaction: SQLTransaction
    ) async throws {
        try await transaction.query(
            """
            UPDATE photos SET status = 'ready', error = NULL,
                display_webp_bytes = \(extras.displayWebPBytes), thumbnail_webp_bytes = \(extras.thumbnailWebPBytes),
                placeholder = \(extras.placeholder),
                display_ext = \(display.fileExtension), display_width = \(display.width),
                display_height = \(display.height), display_bytes = \(display.bytes),
                thumbnail_ext = \(thumbnail.fileExtension), thumbnail_width = \(thumbnail.width),
                thumbnail_height = \(thumbnail.height), thumbnail_bytes = \(thumbnail.bytes), updated_at = \(now: .text)
            WHERE id = \(photoID)
            """)
    }

    public func delete(id: Int64) async throws -> Photo? {
        try await database.write("DELETE FROM photos WHERE id = \(id) RETURNING \(raw: Self.columns)")
            .first.map(Photo.init)
    }

    public func trash(photoIDs: [Int64]) async throws -> [Int64] {
        guard !photoIDs.isEmpty else { return [] }
        return try await database.write(
            """
            UPDATE photos SET trashed_at = \(now: .text), updated_at = \(now: .text)
            WHERE id \(in: photoIDs) AND trashed_at IS NULL RETURNING id
            """
        ).map { try $0.decode("id") }
    }

    public func restore(photoIDs: [Int64]) async throws -> [Int64] {
        guard !photoIDs.isEmpty else { return [] }
        return try await database.write(
            """
            UPDATE photos SET trashed_at = NULL, updated_at = \(now: .text)
            WHERE id \(in: photoIDs) AND trashed_at IS NOT NULL RETURNING id
            """
        ).map { try $0.decode("id") }
    }

    public func trashed(_ scope: TrashScope, after: Int64?, limit: Int) async throws -> [Photo] {
        var conditions: [SQLStatement] = ["photos.trashed_at IS NOT NULL", Self.condition(scope)]
        if let after {
            conditions.append(
                """
                (photos.trashed_at, photos.id) < (SELECT trashed_at, id FROM photos anchor WHERE anchor.id = \(after))
                """)
        }
        return try await database.read(
            """
            SELECT \(Self.selected) FROM photos WHERE \(SQLStatement.joined(conditions, by: " AND "))
            ORDER BY photos.trashed_at DESC, photos.id DESC LIMIT \(limit)
            """
        ).map(Photo.init)
    }

    public func purgeTrash(_ scope: TrashScope, ids: [Int64]?, olderThan: Duration?, limit: Int) async throws
        -> [Photo]
    {
        var conditions: [SQLStatement] = ["photos.trashed_at IS NOT NULL", Self.condition(scope)]
        if let ids {
            guard !ids.isEmpty else { return [] }
            conditions.append("photos.id \(in: ids)")
        }
        if let olderThan { conditions.append("photos.trashed_at < \(now: .text, plus: .zero - olderThan)") }
        // One statement: the rows go together (each month's count once, on PostgreSQL), or none do. The outer
        // trashed_at test is checked again on a row a concurrent restore changed, so a restored photo stays.
        return try await database.write(
            """
            DELETE FROM photos WHERE photos.trashed_at IS NOT NULL AND id IN (
                SELECT id FROM photos WHERE \(SQLStatement.joined(conditions, by: " AND "))
                ORDER BY photos.trashed_at, photos.id LIMIT \(limit))
            RETURNING \(raw: Self.columns)
            """
        ).map(Photo.init)
    }

    public func ownership(photoIDs: [Int64]) async throws -> [Int64: PhotoOwnership] {
        guard !photoIDs.isEmpty else { return [:] }
        var found: [Int64: PhotoOwnership] = [:]
        for row in try await database.read(
            "SELECT id, owner_id, trashed_at IS NOT NULL AS trashed FROM photos WHERE id \(in: photoIDs)")
        {
            found[try row.decode("id")] = PhotoOwnership(
                ownerID: try row.decode("owner_id"), isTrashed: try row.decode("trashed"))
        }
        return found
    }

    /// The photos `scope` reaches, as a condition on `photos`.
    static func condition(_ scope: TrashScope) -> SQLStatement {
        switch scope {
        case .everyone: "1 = 1"
        case .deletable(let userID?): "(photos.owner_id IS NULL OR photos.owner_id = \(userID))"
        case .deletable(nil): "photos.owner_id IS NULL"
        }
    }

    public func checkHealth() async throws {
        try await database.checkHealth()
    }
}

extension Photo {
    /// Builds a photo from a row selected with `SQLPhotoRepository.columns`.
    init(row: SQLRow) throws {
        func derivative(_ prefix: String) throws -> DerivativeInfo? {
            guard let ext = try row.decode(prefix + "_ext", as: String?.self),
                let width = try row.decode(prefix + "_width", as: Int?.self),
                let height = try row.decode(prefix + "_height", as: Int?.self),
                let bytes = try row.decode(prefix + "_bytes", as: Int?.self)
            else { return nil }
            return DerivativeInfo(fileExtension: ext, width: width, height: height, bytes: bytes)
        }
        guard let status = PhotoStatus(rawValue: try row.decode("status")),
            let source = TakenAtSource(rawValue: try row.decode("taken_at_source"))
        else { throw DatabaseError(.corruptRow, "a photo row has an unknown status or taken_at_source") }
        self.init(
            id: try row.decode("id"), hash: try row.decode("hash"), originalName: try row.decode("original_name"),
            contentType: try row.decode("content_type"), bytes: try row.decode("bytes"), width: try row.decode("width"),
            height: try row.decode("height"), orientation: try row.decode("orientation"),
            capturedAt: try row.decode("captured_at"), status: status, error: try row.decode("error"),
            display: try derivative("display"), thumbnail: try derivative("thumbnail"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"),
            albumIDs: try Self.albumIDs(row), capturedOffset: try row.decode("captured_offset"),
            camera: Camera(make: try row.decode("camera_make"), model: try row.decode("camera_model")),
            ownerID: try row.decode("owner_id"), takenAt: try row.decode("taken_at", as: Date.self),
            takenAtSource: source, favorite: try row.decode("favorite"),
            trashedAt: try row.decode("trashed_at", as: Date?.self))
        extras = DerivativeExtras(
            displayWebPBytes: try row.decode("display_webp_bytes"),
            thumbnailWebPBytes: try row.decode("thumbnail_webp_bytes"), placeholder: try row.decode("placeholder"))
    }

    /// The `album_ids` text (`3,7`) as ids, ascending; none when the query did not select it (`RETURNING`).
    static func albumIDs(_ row: SQLRow) throws -> [Int64] {
        guard row.has("album_ids"), let text = try row.decode("album_ids", as: String?.self) else { return [] }
        return text.split(separator: ",").compactMap { Int64($0) }.sorted()
    }
}
