import Foundation
import PostgresNIO

/// `PhotoRepository` on PostgreSQL: each operation is one statement, or one transaction where the queue is involved.
public struct PostgresPhotoRepository: PhotoRepository {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    /// The `photos` columns every query selects, in the order `decode` reads them (the same in both dialects).
    static let columns = Photo.selectedColumns

    public func photo(id: Int64) async throws -> Photo? {
        try await database.query("SELECT \(unescaped: Self.columns) FROM photos WHERE id = \(id)")
            .first.map(Self.decode)
    }

    public func photo(hash: String) async throws -> Photo? {
        try await database.query("SELECT \(unescaped: Self.columns) FROM photos WHERE hash = \(hash)")
            .first.map(Self.decode)
    }

    public func existingHashes(_ hashes: [String]) async throws -> Set<String> {
        guard !hashes.isEmpty else { return [] }
        var found: Set<String> = []
        for row in try await database.query("SELECT hash FROM photos WHERE hash = ANY(\(hashes))") {
            found.insert(try row.decode(String.self))
        }
        return found
    }

    public func photos(before: Int64?, limit: Int) async throws -> [Photo] {
        let rows: [PostgresRow]
        if let before {
            rows = try await database.query(
                "SELECT \(unescaped: Self.columns) FROM photos WHERE id < \(before) ORDER BY id DESC LIMIT \(limit)")
        } else {
            rows = try await database.query(
                "SELECT \(unescaped: Self.columns) FROM photos ORDER BY id DESC LIMIT \(limit)")
        }
        return try rows.map(Self.decode)
    }

    public func photos(ids: [Int64]) async throws -> [Photo] {
        guard !ids.isEmpty else { return [] }
        return try await database.query("SELECT \(unescaped: Self.columns) FROM photos WHERE id = ANY(\(ids))")
            .map(Self.decode)
    }

    public func insertWithThumbnailJob(_ photo: NewPhoto, maxAttempts: Int) async throws -> InsertOutcome {
        let logger = database.logger
        return try await database.withConnection { connection in
            // One statement, so one round trip and a transaction of its own: the photo, its job and the job's
            // notification (sent at commit, so a listening worker never wakes before the job is visible), or none
            // of them. ON CONFLICT waits for a concurrent insert of the same hash and then skips, so the SELECT
            // after it sees the winner. Only a delete racing in between leaves neither; the loop then tries again.
            for _ in 0..<3 {
                let inserted = try await connection.query(
                    """
                    WITH photo AS (
                        INSERT INTO photos (hash, original_name, content_type, bytes, width, height, orientation,
                                            captured_at, status, captured_offset, camera_make, camera_model,
                                            album_id, owner_id)
                        VALUES (\(photo.hash), \(photo.originalName), \(photo.contentType), \(photo.bytes),
                                \(photo.width), \(photo.height), \(photo.orientation), \(photo.capturedAt), 'queued',
                                \(photo.capturedOffset), \(photo.camera.make), \(photo.camera.model), \(photo.albumID),
                                \(photo.ownerID))
                        ON CONFLICT (hash) DO NOTHING
                        RETURNING \(unescaped: Self.columns)),
                    job AS (
                        INSERT INTO jobs (kind, payload, photo_id, state, attempts, max_attempts, run_at)
                        SELECT \(JobKind.thumbnail), jsonb_build_object('photo_id', photo.id), photo.id, 'available',
                               0, \(maxAttempts), now()
                        FROM photo
                        RETURNING id)
                    SELECT photo.*, pg_notify(\(PostgresJobListener.channel), job.id::text) AS notified
                    FROM photo, job
                    """, logger: logger
                ).collect()
                if let row = inserted.first { return InsertOutcome.created(try Self.decode(row)) }
                let existing = try await connection.query(
                    "SELECT \(unescaped: Self.columns) FROM photos WHERE hash = \(photo.hash)", logger: logger
                ).collect()
                if let row = existing.first { return InsertOutcome.existing(try Self.decode(row)) }
            }
            throw DatabaseError(.unavailable, "a photo with this hash was inserted and deleted concurrently; try again")
        }
    }

    public func markReady(
        photoID: Int64, display: DerivativeInfo, thumbnail: DerivativeInfo, completing job: ClaimedJob
    ) async throws -> Bool {
        // One statement: the photo is updated only if this worker still held the job, both or neither.
        let rows = try await database.query(
            """
            WITH finished AS (
                UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, last_error = NULL,
                                updated_at = now(), finished_at = now()
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(job.workerID)
                RETURNING id),
            ready AS (
                UPDATE photos SET status = 'ready', error = NULL,
                    display_ext = \(display.fileExtension), display_width = \(display.width),
                    display_height = \(display.height), display_bytes = \(display.bytes),
                    thumbnail_ext = \(thumbnail.fileExtension), thumbnail_width = \(thumbnail.width),
                    thumbnail_height = \(thumbnail.height), thumbnail_bytes = \(thumbnail.bytes), updated_at = now()
                WHERE id = \(photoID) AND EXISTS (SELECT 1 FROM finished)
                RETURNING id)
            SELECT count(*) AS n FROM finished
            """)
        let finished = try rows.first?.decode(Int.self) ?? 0
        return finished > 0
    }

    public func delete(id: Int64) async throws -> Photo? {
        try await database.query("DELETE FROM photos WHERE id = \(id) RETURNING \(unescaped: Self.columns)")
            .first.map(Self.decode)
    }

    public func checkHealth() async throws {
        // Bounded by the database's operation timeout, so /readyz answers promptly while the server is down.
        _ = try await database.query("SELECT 1")
    }

    /// Builds a `Photo` from a row selected with `columns`.
    static func decode(_ row: PostgresRow) throws -> Photo {
        let cells = row.makeRandomAccess()
        func int(_ name: String) throws -> Int? { try cells[name].decode(Int?.self) }
        func text(_ name: String) throws -> String? { try cells[name].decode(String?.self) }
        func derivative(_ prefix: String) throws -> DerivativeInfo? {
            guard let ext = try text(prefix + "_ext"), let width = try int(prefix + "_width"),
                let height = try int(prefix + "_height"), let bytes = try int(prefix + "_bytes")
            else { return nil }
            return DerivativeInfo(fileExtension: ext, width: width, height: height, bytes: bytes)
        }
        do {
            guard let status = PhotoStatus(rawValue: try cells["status"].decode(String.self)) else {
                throw DatabaseError(.corruptRow, "a photo row has an unknown status")
            }
            return Photo(
                id: try cells["id"].decode(Int64.self), hash: try cells["hash"].decode(String.self),
                originalName: try cells["original_name"].decode(String.self),
                contentType: try cells["content_type"].decode(String.self), bytes: try cells["bytes"].decode(Int.self),
                width: try cells["width"].decode(Int.self), height: try cells["height"].decode(Int.self),
                orientation: try int("orientation"), capturedAt: try text("captured_at"), status: status,
                error: try text("error"), display: try derivative("display"), thumbnail: try derivative("thumbnail"),
                createdAt: try cells["created_at"].decode(Date.self),
                updatedAt: try cells["updated_at"].decode(Date.self),
                albumID: try cells["album_id"].decode(Int64?.self), capturedOffset: try text("captured_offset"),
                camera: Camera(make: try text("camera_make"), model: try text("camera_model")),
                ownerID: try cells["owner_id"].decode(Int64?.self))
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError(
                .corruptRow, "a photo row is missing required columns", underlying: PostgresDriverError(error))
        }
    }
}
