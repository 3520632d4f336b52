import Foundation
import NIOCore
import SQLiteNIO

/// `UploadRepository` on an SQLite file (one writer, so every claim is serialized).
public struct SQLiteUploadRepository: UploadRepository {
    let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    public func create(_ upload: Upload) async throws {
        let now = Timestamp.milliseconds(Date())
        _ = try await database.write { connection in
            try await connection.query(
                """
                INSERT INTO uploads (id, length, upload_offset, file_name, declared_hash, album_id, owner_id, temp_path,
                                     s3_upload_id, part_etags, parts_count, tail, expires_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(upload.id), .integer(upload.length), .integer(upload.offset), .text(upload.fileName),
                    upload.declaredHash.map { .text($0) } ?? .null, upload.albumID.map { .integer(Int($0)) } ?? .null,
                    upload.ownerID.map { .integer(Int($0)) } ?? .null,
                    upload.tempPath.map { .text($0) } ?? .null, upload.s3UploadID.map { .text($0) } ?? .null,
                    .text(upload.partETags.joined(separator: "\n")), .integer(upload.partETags.count),
                    upload.tail.isEmpty ? .null : .blob(ByteBuffer(bytes: upload.tail)),
                    .integer(Int(Timestamp.milliseconds(upload.expiresAt))), .integer(Int(now)), .integer(Int(now)),
                ])
        }
    }

    public func upload(id: String) async throws -> Upload? {
        try await database.read { connection in
            try await connection.query("SELECT \(Upload.selectedColumns) FROM uploads WHERE id = ?", [.text(id)])
                .first.map(Self.decode)
        }
    }

    public func claim(id: String, offset: Int, token: String, until: Date, now: Date) async throws -> UploadClaim {
        let nowMS = Int(Timestamp.milliseconds(now))
        return try await database.write { connection in
            let rows = try await connection.query(
                """
                UPDATE uploads SET lease_token = ?, lease_until = ?
                WHERE id = ? AND upload_offset = ? AND expires_at > ? AND (lease_until IS NULL OR lease_until <= ?)
                RETURNING \(Upload.selectedColumns)
                """,
                [.text(token), .integer(Int(Timestamp.milliseconds(until))), .text(id), .integer(offset), .integer(nowMS), .integer(nowMS)])
            if let row = rows.first { return .claimed(try Self.decode(row)) }
            guard let row = try await connection.query(
                "SELECT upload_offset, expires_at, lease_until FROM uploads WHERE id = ?", [.text(id)]
            ).first else { return .notFound }
            if (row.column("expires_at")?.integer ?? 0) <= nowMS { return .expired }
            let current = row.column("upload_offset")?.integer ?? 0
            if current != offset { return .offsetMismatch(current: current) }
            return .busy
        }
    }

    public func advance(_ upload: Upload, token: String, keepLease: Bool) async throws -> Bool {
        let now = Int(Timestamp.milliseconds(Date()))
        return try await database.write { connection in
            let rows = try await connection.query(
                """
                UPDATE uploads SET upload_offset = ?, s3_upload_id = ?, part_etags = ?, parts_count = ?, tail = ?,
                    temp_path = ?, expires_at = ?, updated_at = ?,
                    lease_token = CASE WHEN ? THEN lease_token ELSE NULL END,
                    lease_until = CASE WHEN ? THEN lease_until ELSE NULL END
                WHERE id = ? AND lease_token = ?
                RETURNING id
                """,
                [
                    .integer(upload.offset), upload.s3UploadID.map { .text($0) } ?? .null,
                    .text(upload.partETags.joined(separator: "\n")), .integer(upload.partETags.count),
                    upload.tail.isEmpty ? .null : .blob(ByteBuffer(bytes: upload.tail)),
                    upload.tempPath.map { .text($0) } ?? .null,
                    .integer(Int(Timestamp.milliseconds(upload.expiresAt))), .integer(now),
                    .integer(keepLease ? 1 : 0), .integer(keepLease ? 1 : 0), .text(upload.id), .text(token),
                ])
            return !rows.isEmpty
        }
    }

    public func renew(id: String, token: String, until: Date) async throws -> Bool {
        try await database.write { connection in
            try await connection.query(
                "UPDATE uploads SET lease_until = ? WHERE id = ? AND lease_token = ? RETURNING id",
                [.integer(Int(Timestamp.milliseconds(until))), .text(id), .text(token)])
        }.count == 1
    }

    public func release(id: String, token: String) async throws {
        _ = try await database.write { connection in
            try await connection.query(
                "UPDATE uploads SET lease_token = NULL, lease_until = NULL WHERE id = ? AND lease_token = ?",
                [.text(id), .text(token)])
        }
    }

    public func delete(id: String) async throws -> Upload? {
        try await database.write { connection in
            try await connection.query(
                "DELETE FROM uploads WHERE id = ? RETURNING \(Upload.selectedColumns)", [.text(id)]
            ).first.map(Self.decode)
        }
    }

    public func expired(now: Date, limit: Int) async throws -> [Upload] {
        try await database.read { connection in
            try await connection.query(
                "SELECT \(Upload.selectedColumns) FROM uploads WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
                [.integer(Int(Timestamp.milliseconds(now))), .integer(limit)]
            ).map(Self.decode)
        }
    }

    static func decode(_ row: SQLiteRow) throws -> Upload {
        guard let id = row.column("id")?.string, let length = row.column("length")?.integer,
            let offset = row.column("upload_offset")?.integer, let expires = row.column("expires_at")?.integer,
            let created = row.column("created_at")?.integer
        else { throw DatabaseError(.corruptRow, "an upload row is missing required columns") }
        let etags = row.column("part_etags")?.string ?? ""
        var tail: [UInt8] = []
        if case .blob(let buffer)? = row.column("tail") { tail = Array(buffer.readableBytesView) }
        return Upload(
            id: id, length: length, offset: offset, fileName: row.column("file_name")?.string ?? "",
            declaredHash: row.column("declared_hash")?.string, albumID: row.column("album_id")?.integer.map(Int64.init),
            ownerID: row.column("owner_id")?.integer.map(Int64.init), tempPath: row.column("temp_path")?.string, s3UploadID: row.column("s3_upload_id")?.string,
            partETags: etags.isEmpty ? [] : etags.split(separator: "\n").map(String.init), tail: tail,
            expiresAt: Timestamp.date(milliseconds: Int64(expires)), createdAt: Timestamp.date(milliseconds: Int64(created)))
    }
}
