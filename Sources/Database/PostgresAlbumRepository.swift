import Foundation
import PostgresNIO

/// `AlbumRepository` on PostgreSQL.
public struct PostgresAlbumRepository: AlbumRepository {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    static let columns = Photo.selectedColumns
    static let albumColumns = "id, name, created_at, updated_at"

    public func albumSummaries() async throws -> [AlbumSummary] {
        let albums = try await database.query(
            """
            SELECT albums.id, albums.name, albums.created_at, albums.updated_at, count(photos.id) AS photo_count
            FROM albums LEFT JOIN photos ON photos.album_id = albums.id
            GROUP BY albums.id ORDER BY albums.id DESC
            """)
        // The newest few photos of every album in one query, ranked within each album.
        let previews = try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM (
                SELECT *, row_number() OVER (PARTITION BY album_id ORDER BY id DESC) AS preview_rank
                FROM photos WHERE album_id IS NOT NULL) ranked
            WHERE preview_rank <= \(AlbumSummary.previewCount) ORDER BY album_id, id DESC
            """)
        let photos = try previews.map(PostgresPhotoRepository.decode)
        let byAlbum = Dictionary(grouping: photos, by: { $0.albumID ?? 0 })
        return try albums.map { row in
            let album = try Self.decodeAlbum(row)
            let count = try row.makeRandomAccess()["photo_count"].decode(Int.self)
            return AlbumSummary(album: album, photoCount: count, previews: byAlbum[album.id] ?? [])
        }
    }

    public func albums() async throws -> [Album] {
        try await database.query("SELECT \(unescaped: Self.albumColumns) FROM albums ORDER BY lower(name), id")
            .map(Self.decodeAlbum)
    }

    public func album(id: Int64) async throws -> Album? {
        try await database.query("SELECT \(unescaped: Self.albumColumns) FROM albums WHERE id = \(id)")
            .first.map(Self.decodeAlbum)
    }

    public func photoCount(inAlbum id: Int64) async throws -> Int {
        try await database.query("SELECT count(*) FROM photos WHERE album_id = \(id)").first?.decode(Int.self) ?? 0
    }

    public func createAlbum(name: String) async throws -> Album {
        guard let row = try await database.query(
            "INSERT INTO albums (name) VALUES (\(name)) RETURNING \(unescaped: Self.albumColumns)"
        ).first else { throw DatabaseError(.corruptRow, "insert returned no album") }
        return try Self.decodeAlbum(row)
    }

    public func renameAlbum(id: Int64, name: String) async throws -> Album? {
        try await database.query(
            "UPDATE albums SET name = \(name), updated_at = now() WHERE id = \(id) RETURNING \(unescaped: Self.albumColumns)"
        ).first.map(Self.decodeAlbum)
    }

    public func photos(in scope: PhotoScope, before: Int64?, limit: Int) async throws -> [Photo] {
        // The cursor as a bound bigint; with no cursor, one past the largest id.
        let cursor = before ?? Int64.max
        let rows: [PostgresRow]
        switch scope {
        case .all:
            rows = try await database.query(
                "SELECT \(unescaped: Self.columns) FROM photos WHERE id < \(cursor) ORDER BY id DESC LIMIT \(limit)")
        case .unsorted:
            rows = try await database.query(
                """
                SELECT \(unescaped: Self.columns) FROM photos WHERE album_id IS NULL AND id < \(cursor)
                ORDER BY id DESC LIMIT \(limit)
                """)
        case .album(let album):
            rows = try await database.query(
                """
                SELECT \(unescaped: Self.columns) FROM photos WHERE album_id = \(album) AND id < \(cursor)
                ORDER BY id DESC LIMIT \(limit)
                """)
        }
        return try rows.map(PostgresPhotoRepository.decode)
    }

    public func allPhotos(inAlbum id: Int64) async throws -> [Photo] {
        try await database.query("SELECT \(unescaped: Self.columns) FROM photos WHERE album_id = \(id) ORDER BY id")
            .map(PostgresPhotoRepository.decode)
    }

    public func neighbours(of photo: Photo, in scope: PhotoScope) async throws -> PhotoNeighbours {
        let rows: [PostgresRow]
        switch scope {
        case .all:
            rows = try await database.query(
                """
                SELECT (SELECT min(id) FROM photos WHERE id > \(photo.id)),
                       (SELECT max(id) FROM photos WHERE id < \(photo.id))
                """)
        case .unsorted:
            rows = try await database.query(
                """
                SELECT (SELECT min(id) FROM photos WHERE album_id IS NULL AND id > \(photo.id)),
                       (SELECT max(id) FROM photos WHERE album_id IS NULL AND id < \(photo.id))
                """)
        case .album(let album):
            rows = try await database.query(
                """
                SELECT (SELECT min(id) FROM photos WHERE album_id = \(album) AND id > \(photo.id)),
                       (SELECT max(id) FROM photos WHERE album_id = \(album) AND id < \(photo.id))
                """)
        }
        guard let row = rows.first else { return PhotoNeighbours(newer: nil, older: nil) }
        let (newer, older) = try row.decode((Int64?, Int64?).self)
        return PhotoNeighbours(newer: newer, older: older)
    }

    public func move(photoIDs: [Int64], toAlbum albumID: Int64?) async throws -> Int? {
        guard !photoIDs.isEmpty else { return 0 }
        return try await database.withTransaction { connection in
            if let albumID {
                let found = try await connection.query(
                    "SELECT id FROM albums WHERE id = \(albumID) FOR SHARE", logger: database.logger
                ).collect()
                guard !found.isEmpty else { return nil }
            }
            let moved = try await connection.query(
                """
                UPDATE photos SET album_id = \(albumID), updated_at = now() WHERE id = ANY(\(photoIDs)) RETURNING id
                """, logger: database.logger
            ).collect()
            return moved.count
        }
    }

    static func decodeAlbum(_ row: PostgresRow) throws -> Album {
        let cells = row.makeRandomAccess()
        do {
            return Album(
                id: try cells["id"].decode(Int64.self), name: try cells["name"].decode(String.self),
                createdAt: try cells["created_at"].decode(Date.self), updatedAt: try cells["updated_at"].decode(Date.self))
        } catch {
            throw DatabaseError(
                .corruptRow, "an album row is missing required columns", underlying: PostgresDriverError(error))
        }
    }
}
