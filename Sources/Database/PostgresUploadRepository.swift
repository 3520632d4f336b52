import Foundation
import NIOCore
import PostgresNIO

/// `UploadRepository` on PostgreSQL: each operation is one statement, so claims from several app servers race safely.
public struct PostgresUploadRepository: UploadRepository {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    public func create(_ upload: Upload) async throws {
        let now = Timestamp.milliseconds(Date())
        let etags = upload.partETags.joined(separator: "\n")
        let tail: ByteBuffer? = upload.tail.isEmpty ? nil : ByteBuffer(bytes: upload.tail)
        _ = try await database.query(
            """
            INSERT INTO uploads (id, length, upload_offset, file_name, declared_hash, album_id, owner_id, temp_path,
                                 s3_upload_id, part_etags, parts_count, tail, expires_at, created_at, updated_at)
            VALUES (\(upload.id), \(upload.length), \(upload.offset), \(upload.fileName), \(upload.declaredHash),
                    \(upload.albumID), \(upload.ownerID), \(upload.tempPath), \(upload.s3UploadID), \(etags), \(upload.partETags.count),
                    \(tail), \(Timestamp.milliseconds(upload.expiresAt)), \(now), \(now))
            """)
    }

    public func upload(id: String) async throws -> Upload? {
        try await database.query("SELECT \(unescaped: Upload.selectedColumns) FROM uploads WHERE id = \(id)")
            .first.map(Self.decode)
    }

    public func claim(id: String, offset: Int, token: String, until: Date, now: Date) async throws -> UploadClaim {
        let nowMS = Timestamp.milliseconds(now)
        let untilMS = Timestamp.milliseconds(until)
        let rows = try await database.query(
            """
            UPDATE uploads SET lease_token = \(token), lease_until = \(untilMS)
            WHERE id = \(id) AND upload_offset = \(offset) AND expires_at > \(nowMS)
              AND (lease_until IS NULL OR lease_until <= \(nowMS))
            RETURNING \(unescaped: Upload.selectedColumns)
            """)
        if let row = rows.first { return .claimed(try Self.decode(row)) }
        guard let row = try await database.query(
            "SELECT upload_offset, expires_at FROM uploads WHERE id = \(id)"
        ).first else { return .notFound }
        let (current, expires) = try row.decode((Int64, Int64).self)
        if expires <= nowMS { return .expired }
        if Int(current) != offset { return .offsetMismatch(current: Int(current)) }
        return .busy
    }

    public func advance(_ upload: Upload, token: String, keepLease: Bool) async throws -> Bool {
        let now = Timestamp.milliseconds(Date())
        let etags = upload.partETags.joined(separator: "\n")
        let tail: ByteBuffer? = upload.tail.isEmpty ? nil : ByteBuffer(bytes: upload.tail)
        let rows = try await database.query(
            """
            UPDATE uploads SET upload_offset = \(upload.offset), s3_upload_id = \(upload.s3UploadID),
                part_etags = \(etags), parts_count = \(upload.partETags.count), tail = \(tail),
                temp_path = \(upload.tempPath), expires_at = \(Timestamp.milliseconds(upload.expiresAt)),
                updated_at = \(now),
                lease_token = CASE WHEN \(keepLease) THEN lease_token ELSE NULL END,
                lease_until = CASE WHEN \(keepLease) THEN lease_until ELSE NULL END
            WHERE id = \(upload.id) AND lease_token = \(token)
            RETURNING id
            """)
        return !rows.isEmpty
    }

    public func renew(id: String, token: String, until: Date) async throws -> Bool {
        try await database.query(
            """
            UPDATE uploads SET lease_until = \(Timestamp.milliseconds(until))
            WHERE id = \(id) AND lease_token = \(token) RETURNING id
            """
        ).count == 1
    }

    public func release(id: String, token: String) async throws {
        _ = try await database.query(
            "UPDATE uploads SET lease_token = NULL, lease_until = NULL WHERE id = \(id) AND lease_token = \(token)")
    }

    public func delete(id: String) async throws -> Upload? {
        try await database.query("DELETE FROM uploads WHERE id = \(id) RETURNING \(unescaped: Upload.selectedColumns)")
            .first.map(Self.decode)
    }

    public func expired(now: Date, limit: Int) async throws -> [Upload] {
        try await database.query(
            """
            SELECT \(unescaped: Upload.selectedColumns) FROM uploads
            WHERE expires_at <= \(Timestamp.milliseconds(now)) ORDER BY expires_at LIMIT \(limit)
            """
        ).map(Self.decode)
    }

    static func decode(_ row: PostgresRow) throws -> Upload {
        let cells = row.makeRandomAccess()
        do {
            let etags = try cells["part_etags"].decode(String.self)
            let tail = try cells["tail"].decode(ByteBuffer?.self)
            return Upload(
                id: try cells["id"].decode(String.self), length: Int(try cells["length"].decode(Int64.self)),
                offset: Int(try cells["upload_offset"].decode(Int64.self)),
                fileName: try cells["file_name"].decode(String.self),
                declaredHash: try cells["declared_hash"].decode(String?.self),
                albumID: try cells["album_id"].decode(Int64?.self), ownerID: try cells["owner_id"].decode(Int64?.self),
                tempPath: try cells["temp_path"].decode(String?.self),
                s3UploadID: try cells["s3_upload_id"].decode(String?.self),
                partETags: etags.isEmpty ? [] : etags.split(separator: "\n").map(String.init),
                tail: tail.map { Array($0.readableBytesView) } ?? [],
                expiresAt: Timestamp.date(milliseconds: try cells["expires_at"].decode(Int64.self)),
                createdAt: Timestamp.date(milliseconds: try cells["created_at"].decode(Int64.self)))
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError(.corruptRow, "an upload row could not be read", underlying: SendableError(error))
        }
    }
}
