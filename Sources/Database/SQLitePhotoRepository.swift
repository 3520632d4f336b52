import Foundation
import SQLiteNIO

/// `PhotoRepository` on an SQLite file.
public struct SQLitePhotoRepository: PhotoRepository {
    let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    /// The `photos` columns every query selects, in the order `decode` reads them (the same in both dialects).
    static let columns = Photo.selectedColumns

    public func photo(id: Int64) async throws -> Photo? {
        try await database.read { connection in
            try await connection.query("SELECT \(Self.columns) FROM photos WHERE id = ?", [.integer(Int(id))])
                .first.map(Self.decode)
        }
    }

    public func photo(hash: String) async throws -> Photo? {
        try await database.read { connection in
            try await connection.query("SELECT \(Self.columns) FROM photos WHERE hash = ?", [.text(hash)])
                .first.map(Self.decode)
        }
    }

    public func existingHashes(_ hashes: [String]) async throws -> Set<String> {
        guard !hashes.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: hashes.count).joined(separator: ", ")
        return try await database.read { connection in
            Set(
                try await connection.query(
                    "SELECT hash FROM photos WHERE hash IN (\(placeholders))", hashes.map { .text($0) }
                ).compactMap { $0.column("hash")?.string })
        }
    }

    public func photos(before: Int64?, limit: Int) async throws -> [Photo] {
        try await database.read { connection in
            let rows: [SQLiteRow]
            if let before {
                rows = try await connection.query(
                    "SELECT \(Self.columns) FROM photos WHERE id < ? ORDER BY id DESC LIMIT ?",
                    [.integer(Int(before)), .integer(limit)])
            } else {
                rows = try await connection.query(
                    "SELECT \(Self.columns) FROM photos ORDER BY id DESC LIMIT ?", [.integer(limit)])
            }
            return try rows.map(Self.decode)
        }
    }

    public func photos(ids: [Int64]) async throws -> [Photo] {
        guard !ids.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        return try await database.read { connection in
            try await connection.query(
                "SELECT \(Self.columns) FROM photos WHERE id IN (\(placeholders))", ids.map { .integer(Int($0)) }
            ).map(Self.decode)
        }
    }

    public func insertWithThumbnailJob(_ photo: NewPhoto, maxAttempts: Int) async throws -> InsertOutcome {
        try await database.write { connection in
            if let existing = try await connection.query(
                "SELECT \(Self.columns) FROM photos WHERE hash = ?", [.text(photo.hash)]
            ).first {
                return .existing(try Self.decode(existing))
            }
            let now = Date()
            let stamp = Timestamp.iso8601(now)
            let rows = try await connection.query(
                """
                INSERT INTO photos (hash, original_name, content_type, bytes, width, height, orientation, captured_at,
                                    status, created_at, updated_at, captured_offset, camera_make, camera_model,
                                    album_id, owner_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)
                RETURNING \(Self.columns)
                """,
                [
                    .text(photo.hash), .text(photo.originalName), .text(photo.contentType), .integer(photo.bytes),
                    .integer(photo.width), .integer(photo.height), photo.orientation.map { .integer($0) } ?? .null,
                    photo.capturedAt.map { .text($0) } ?? .null, .text(stamp), .text(stamp),
                    photo.capturedOffset.map { .text($0) } ?? .null, photo.camera.make.map { .text($0) } ?? .null,
                    photo.camera.model.map { .text($0) } ?? .null, photo.albumID.map { .integer(Int($0)) } ?? .null,
                    photo.ownerID.map { .integer(Int($0)) } ?? .null,
                ])
            guard let row = rows.first else { throw DatabaseError(.corruptRow, "insert returned no photo") }
            let created = try Self.decode(row)
            _ = try await connection.query(
                """
                INSERT INTO jobs (kind, payload, photo_id, state, attempts, max_attempts, run_at, created_at, updated_at)
                VALUES (?, ?, ?, 'available', 0, ?, ?, ?, ?)
                """,
                [
                    .text(JobKind.thumbnail), .text(JobKind.thumbnailPayload(photoID: created.id)), .integer(Int(created.id)),
                    .integer(maxAttempts), .integer(Int(Timestamp.milliseconds(now))), .text(stamp), .text(stamp),
                ])
            return .created(created)
        }
    }

    public func markReady(
        photoID: Int64, display: DerivativeInfo, thumbnail: DerivativeInfo, completing job: ClaimedJob
    ) async throws -> Bool {
        try await database.write { connection in
            let stamp = Timestamp.iso8601(Date())
            let finished = try await connection.query(
                """
                UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, last_error = NULL,
                                updated_at = ?, finished_at = ?
                WHERE id = ? AND state = 'running' AND locked_by = ?
                RETURNING id
                """,
                [.text(stamp), .text(stamp), .integer(Int(job.id)), .text(job.workerID)])
            guard !finished.isEmpty else { return false }
            _ = try await connection.query(
                """
                UPDATE photos SET status = 'ready', error = NULL,
                    display_ext = ?, display_width = ?, display_height = ?, display_bytes = ?,
                    thumbnail_ext = ?, thumbnail_width = ?, thumbnail_height = ?, thumbnail_bytes = ?, updated_at = ?
                WHERE id = ?
                """,
                [
                    .text(display.fileExtension), .integer(display.width), .integer(display.height),
                    .integer(display.bytes), .text(thumbnail.fileExtension), .integer(thumbnail.width),
                    .integer(thumbnail.height), .integer(thumbnail.bytes), .text(stamp), .integer(Int(photoID)),
                ])
            return true
        }
    }

    public func delete(id: Int64) async throws -> Photo? {
        try await database.write { connection in
            guard let row = try await connection.query(
                "DELETE FROM photos WHERE id = ? RETURNING \(Self.columns)", [.integer(Int(id))]
            ).first else { return nil }
            return try Self.decode(row)
        }
    }

    public func checkHealth() async throws {
        _ = try await database.read { connection in try await connection.query("SELECT 1") }
    }

    /// Builds a `Photo` from a row selected with `columns`.
    static func decode(_ row: SQLiteRow) throws -> Photo {
        func int(_ name: String) -> Int? { row.column(name)?.integer }
        func text(_ name: String) -> String? { row.column(name)?.string }
        func derivative(_ prefix: String) -> DerivativeInfo? {
            guard let ext = text(prefix + "_ext"), let width = int(prefix + "_width"),
                let height = int(prefix + "_height"), let bytes = int(prefix + "_bytes")
            else { return nil }
            return DerivativeInfo(fileExtension: ext, width: width, height: height, bytes: bytes)
        }
        guard let id = int("id"), let hash = text("hash"), let status = text("status").flatMap(PhotoStatus.init),
            let created = text("created_at").flatMap(Timestamp.parse),
            let updated = text("updated_at").flatMap(Timestamp.parse)
        else { throw DatabaseError(.corruptRow, "a photo row is missing required columns") }
        return Photo(
            id: Int64(id), hash: hash, originalName: text("original_name") ?? "", contentType: text("content_type") ?? "",
            bytes: int("bytes") ?? 0, width: int("width") ?? 0, height: int("height") ?? 0,
            orientation: int("orientation"), capturedAt: text("captured_at"), status: status, error: text("error"),
            display: derivative("display"), thumbnail: derivative("thumbnail"), createdAt: created, updatedAt: updated,
            albumID: int("album_id").map(Int64.init), capturedOffset: text("captured_offset"),
            camera: Camera(make: text("camera_make"), model: text("camera_model")),
            ownerID: int("owner_id").map(Int64.init))
    }
}
