import Foundation
import SQLiteNIO

/// `AlbumRepository` on an SQLite file.
public struct SQLiteAlbumRepository: AlbumRepository {
    let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    static let columns = Photo.selectedColumns
    static let albumColumns = "id, name, created_at, updated_at"

    public func albumSummaries() async throws -> [AlbumSummary] {
        try await database.read { connection in
            let albums = try await connection.query(
                """
                SELECT albums.id, albums.name, albums.created_at, albums.updated_at, count(photos.id) AS photo_count
                FROM albums LEFT JOIN photos ON photos.album_id = albums.id
                GROUP BY albums.id ORDER BY albums.id DESC
                """)
            // The newest few photos of every album in one query, ranked within each album.
            let previews = try await connection.query(
                """
                SELECT \(Self.columns) FROM (
                    SELECT *, row_number() OVER (PARTITION BY album_id ORDER BY id DESC) AS preview_rank
                    FROM photos WHERE album_id IS NOT NULL)
                WHERE preview_rank <= ? ORDER BY album_id, id DESC
                """, [.integer(AlbumSummary.previewCount)])
            let photos = try previews.map(SQLitePhotoRepository.decode)
            let byAlbum = Dictionary(grouping: photos, by: { $0.albumID ?? 0 })
            return try albums.map { row in
                let album = try Self.decodeAlbum(row)
                return AlbumSummary(
                    album: album, photoCount: row.column("photo_count")?.integer ?? 0, previews: byAlbum[album.id] ?? [])
            }
        }
    }

    public func albums() async throws -> [Album] {
        try await database.read { connection in
            try await connection.query("SELECT \(Self.albumColumns) FROM albums ORDER BY name COLLATE NOCASE, id")
                .map(Self.decodeAlbum)
        }
    }

    public func album(id: Int64) async throws -> Album? {
        try await database.read { connection in
            try await connection.query("SELECT \(Self.albumColumns) FROM albums WHERE id = ?", [.integer(Int(id))])
                .first.map(Self.decodeAlbum)
        }
    }

    public func photoCount(inAlbum id: Int64) async throws -> Int {
        try await database.read { connection in
            try await connection.query("SELECT count(*) AS n FROM photos WHERE album_id = ?", [.integer(Int(id))])
                .first?.column("n")?.integer ?? 0
        }
    }

    public func createAlbum(name: String) async throws -> Album {
        try await database.write { connection in
            let stamp = Timestamp.iso8601(Date())
            guard let row = try await connection.query(
                "INSERT INTO albums (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING \(Self.albumColumns)",
                [.text(name), .text(stamp), .text(stamp)]
            ).first else { throw DatabaseError(.corruptRow, "insert returned no album") }
            return try Self.decodeAlbum(row)
        }
    }

    public func renameAlbum(id: Int64, name: String) async throws -> Album? {
        try await database.write { connection in
            try await connection.query(
                "UPDATE albums SET name = ?, updated_at = ? WHERE id = ? RETURNING \(Self.albumColumns)",
                [.text(name), .text(Timestamp.iso8601(Date())), .integer(Int(id))]
            ).first.map(Self.decodeAlbum)
        }
    }

    public func photos(in scope: PhotoScope, before: Int64?, limit: Int) async throws -> [Photo] {
        let (condition, bindings) = Self.predicate(scope)
        return try await database.read { connection in
            var sql = "SELECT \(Self.columns) FROM photos WHERE \(condition)"
            var values = bindings
            if let before {
                sql += " AND id < ?"
                values.append(.integer(Int(before)))
            }
            sql += " ORDER BY id DESC LIMIT ?"
            values.append(.integer(limit))
            return try await connection.query(sql, values).map(SQLitePhotoRepository.decode)
        }
    }

    public func allPhotos(inAlbum id: Int64) async throws -> [Photo] {
        try await database.read { connection in
            try await connection.query(
                "SELECT \(Self.columns) FROM photos WHERE album_id = ? ORDER BY id", [.integer(Int(id))]
            ).map(SQLitePhotoRepository.decode)
        }
    }

    public func neighbours(of photo: Photo, in scope: PhotoScope) async throws -> PhotoNeighbours {
        let (condition, bindings) = Self.predicate(scope)
        return try await database.read { connection in
            let newer = try await connection.query(
                "SELECT min(id) AS id FROM photos WHERE \(condition) AND id > ?", bindings + [.integer(Int(photo.id))])
            let older = try await connection.query(
                "SELECT max(id) AS id FROM photos WHERE \(condition) AND id < ?", bindings + [.integer(Int(photo.id))])
            return PhotoNeighbours(
                newer: newer.first?.column("id")?.integer.map(Int64.init),
                older: older.first?.column("id")?.integer.map(Int64.init))
        }
    }

    public func move(photoIDs: [Int64], toAlbum albumID: Int64?) async throws -> Int? {
        guard !photoIDs.isEmpty else { return 0 }
        let placeholders = Array(repeating: "?", count: photoIDs.count).joined(separator: ", ")
        return try await database.write { connection in
            if let albumID {
                let found = try await connection.query("SELECT id FROM albums WHERE id = ?", [.integer(Int(albumID))])
                guard !found.isEmpty else { return nil }
            }
            let moved = try await connection.query(
                "UPDATE photos SET album_id = ?, updated_at = ? WHERE id IN (\(placeholders)) RETURNING id",
                [albumID.map { .integer(Int($0)) } ?? .null, .text(Timestamp.iso8601(Date()))]
                    + photoIDs.map { .integer(Int($0)) })
            return moved.count
        }
    }

    /// The WHERE condition selecting a scope's photos.
    static func predicate(_ scope: PhotoScope) -> (String, [SQLiteData]) {
        switch scope {
        case .all: return ("1 = 1", [])
        case .unsorted: return ("album_id IS NULL", [])
        case .album(let id): return ("album_id = ?", [.integer(Int(id))])
        }
    }

    static func decodeAlbum(_ row: SQLiteRow) throws -> Album {
        guard let id = row.column("id")?.integer, let name = row.column("name")?.string,
            let created = row.column("created_at")?.string.flatMap(Timestamp.parse),
            let updated = row.column("updated_at")?.string.flatMap(Timestamp.parse)
        else { throw DatabaseError(.corruptRow, "an album row is missing required columns") }
        return Album(id: Int64(id), name: name, createdAt: created, updatedAt: updated)
    }
}
