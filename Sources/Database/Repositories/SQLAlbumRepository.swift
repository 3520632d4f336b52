import Foundation

/// `AlbumRepository` over either dialect.
public struct SQLAlbumRepository: AlbumRepository {
    let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    static let columns = SQLPhotoRepository.columns
    static let albumColumns = "id, name, created_at, updated_at"

    public func albumSummaries() async throws -> [AlbumSummary] {
        let albums = try await database.read(
            """
            SELECT albums.id, albums.name, albums.created_at, albums.updated_at, count(photos.id) AS photo_count
            FROM albums LEFT JOIN photos ON photos.album_id = albums.id
            GROUP BY albums.id ORDER BY albums.id DESC
            """)
        // The newest few photos of every album in one query, ranked within each album.
        let previews = try await database.read(
            """
            SELECT \(raw: Self.columns) FROM (
                SELECT *, row_number() OVER (PARTITION BY album_id ORDER BY id DESC) AS preview_rank
                FROM photos WHERE album_id IS NOT NULL) ranked
            WHERE preview_rank <= \(AlbumSummary.previewCount) ORDER BY album_id, id DESC
            """
        ).map(Photo.init)
        let byAlbum = Dictionary(grouping: previews, by: { $0.albumID ?? 0 })
        return try albums.map { row in
            let album = try Album(row: row)
            return AlbumSummary(
                album: album, photoCount: try row.decode("photo_count"), previews: byAlbum[album.id] ?? [])
        }
    }

    public func albums() async throws -> [Album] {
        try await database.read(
            """
            SELECT \(raw: Self.albumColumns) FROM albums
            ORDER BY \(postgres: "lower(name)", sqlite: "name COLLATE NOCASE"), id
            """
        ).map(Album.init)
    }

    public func album(id: Int64) async throws -> Album? {
        try await database.read("SELECT \(raw: Self.albumColumns) FROM albums WHERE id = \(id)").first.map(Album.init)
    }

    public func photoCount(inAlbum id: Int64) async throws -> Int {
        try await database.read("SELECT count(*) AS n FROM photos WHERE album_id = \(id)").first?.decode("n") ?? 0
    }

    public func createAlbum(name: String) async throws -> Album {
        guard
            let row = try await database.write(
                """
                INSERT INTO albums (name, created_at, updated_at) VALUES (\(name), \(now: .text), \(now: .text))
                RETURNING \(raw: Self.albumColumns)
                """
            ).first
        else { throw DatabaseError(.corruptRow, "insert returned no album") }
        return try Album(row: row)
    }

    public func renameAlbum(id: Int64, name: String) async throws -> Album? {
        try await database.write(
            """
            UPDATE albums SET name = \(name), updated_at = \(now: .text) WHERE id = \(id)
            RETURNING \(raw: Self.albumColumns)
            """
        ).first.map(Album.init)
    }

    public func photos(in scope: PhotoScope, before: Int64?, limit: Int) async throws -> [Photo] {
        try await database.read(
            """
            SELECT \(raw: Self.columns) FROM photos WHERE \(Self.predicate(scope)) AND id < \(before ?? Int64.max)
            ORDER BY id DESC LIMIT \(limit)
            """
        ).map(Photo.init)
    }

    public func allPhotos(inAlbum id: Int64) async throws -> [Photo] {
        try await database.read("SELECT \(raw: Self.columns) FROM photos WHERE album_id = \(id) ORDER BY id")
            .map(Photo.init)
    }

    public func neighbours(of photo: Photo, in scope: PhotoScope) async throws -> PhotoNeighbours {
        let scoped = Self.predicate(scope)
        guard
            let row = try await database.read(
                """
                SELECT (SELECT min(id) FROM photos WHERE \(scoped) AND id > \(photo.id)) AS newer,
                       (SELECT max(id) FROM photos WHERE \(scoped) AND id < \(photo.id)) AS older
                """
            ).first
        else { return PhotoNeighbours(newer: nil, older: nil) }
        return PhotoNeighbours(newer: try row.decode("newer"), older: try row.decode("older"))
    }

    public func move(photoIDs: [Int64], toAlbum albumID: Int64?) async throws -> Int? {
        guard !photoIDs.isEmpty else { return 0 }
        return try await database.transaction { transaction in
            if let albumID {
                // FOR SHARE: the album cannot be deleted between this check and the move.
                let found = try await transaction.query(
                    "SELECT id FROM albums WHERE id = \(albumID)\(postgres: " FOR SHARE", sqlite: "")")
                guard !found.isEmpty else { return nil }
            }
            return try await transaction.query(
                """
                UPDATE photos SET album_id = \(albumID), updated_at = \(now: .text) WHERE id \(in: photoIDs)
                RETURNING id
                """
            ).count
        }
    }

    /// The condition selecting a scope's photos.
    static func predicate(_ scope: PhotoScope) -> SQLStatement {
        switch scope {
        case .all: "1 = 1"
        case .unsorted: "album_id IS NULL"
        case .album(let id): "album_id = \(id)"
        }
    }
}

extension Album {
    /// Builds an album from a row selected with `SQLAlbumRepository.albumColumns`.
    init(row: SQLRow) throws {
        self.init(
            id: try row.decode("id"), name: try row.decode("name"), createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"))
    }
}
