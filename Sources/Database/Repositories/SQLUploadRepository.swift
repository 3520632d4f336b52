import Foundation

/// `UploadRepository` over either dialect. Upload times are integer milliseconds in both schemas.
public struct SQLUploadRepository: UploadRepository {
    let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    /// The `uploads` columns every query selects, as `Upload.init(row:)` reads them.
    static let columns = """
        id, length, upload_offset, file_name, declared_hash, album_id, owner_id, temp_path, s3_upload_id, part_etags,
        tail, expires_at, created_at, share_link_id
        """

    public func create(_ upload: Upload) async throws {
        let now = Timestamp.milliseconds(Date())
        _ = try await database.write(
            """
            INSERT INTO uploads (id, length, upload_offset, file_name, declared_hash, album_id, owner_id, temp_path,
                                 s3_upload_id, part_etags, parts_count, tail, expires_at, created_at, updated_at,
                                 share_link_id)
            VALUES (\(upload.id), \(upload.length), \(upload.offset), \(upload.fileName), \(upload.declaredHash),
                    \(upload.albumID), \(upload.ownerID), \(upload.tempPath), \(upload.s3UploadID),
                    \(upload.partETags.joined(separator: "\n")), \(upload.partETags.count), \(upload.tailValue),
                    \(Timestamp.milliseconds(upload.expiresAt)), \(now), \(now), \(upload.shareLinkID))
            """)
    }

    public func upload(id: String) async throws -> Upload? {
        try await database.read("SELECT \(raw: Self.columns) FROM uploads WHERE id = \(id)").first.map(Upload.init)
    }

    public func claim(id: String, offset: Int, token: String, until: Date, now: Date) async throws -> UploadClaim {
        let nowMS = Timestamp.milliseconds(now)
        return try await database.transaction { transaction in
            let rows = try await transaction.query(
                """
                UPDATE uploads SET lease_token = \(token), lease_until = \(Timestamp.milliseconds(until))
                WHERE id = \(id) AND upload_offset = \(offset) AND expires_at > \(nowMS)
                  AND (lease_until IS NULL OR lease_until <= \(nowMS))
                RETURNING \(raw: Self.columns)
                """)
            if let row = rows.first { return .claimed(try Upload(row: row)) }
            guard
                let row = try await transaction.query(
                    "SELECT upload_offset, expires_at FROM uploads WHERE id = \(id)"
                ).first
            else { return .notFound }
            if try row.decode("expires_at", as: Int64.self) <= nowMS { return .expired }
            let current: Int = try row.decode("upload_offset")
            return current != offset ? .offsetMismatch(current: current) : .busy
        }
    }

    public func advance(_ upload: Upload, token: String, keepLease: Bool) async throws -> Bool {
        !(try await database.write(
            """
            UPDATE uploads SET upload_offset = \(upload.offset), s3_upload_id = \(upload.s3UploadID),
                part_etags = \(upload.partETags.joined(separator: "\n")), parts_count = \(upload.partETags.count),
                tail = \(upload.tailValue), temp_path = \(upload.tempPath),
                expires_at = \(Timestamp.milliseconds(upload.expiresAt)), updated_at = \(Timestamp.milliseconds(Date())),
                lease_token = CASE WHEN \(keepLease) THEN lease_token ELSE NULL END,
                lease_until = CASE WHEN \(keepLease) THEN lease_until ELSE NULL END
            WHERE id = \(upload.id) AND lease_token = \(token)
            RETURNING id
            """
        )).isEmpty
    }

    public func renew(id: String, token: String, until: Date) async throws -> Bool {
        try await database.write(
            """
            UPDATE uploads SET lease_until = \(Timestamp.milliseconds(until))
            WHERE id = \(id) AND lease_token = \(token) RETURNING id
            """
        ).count == 1
    }

    public func release(id: String, token: String) async throws {
        _ = try await database.write(
            "UPDATE uploads SET lease_token = NULL, lease_until = NULL WHERE id = \(id) AND lease_token = \(token)")
    }

    public func delete(id: String) async throws -> Upload? {
        try await database.write("DELETE FROM uploads WHERE id = \(id) RETURNING \(raw: Self.columns)")
            .first.map(Upload.init)
    }

    public func expired(now: Date, limit: Int) async throws -> [Upload] {
        try await database.read(
            """
            SELECT \(raw: Self.columns) FROM uploads
            WHERE expires_at <= \(Timestamp.milliseconds(now)) ORDER BY expires_at LIMIT \(limit)
            """
        ).map(Upload.init)
    }
}

extension Upload {
    /// The buffered tail as stored: NULL when there is none.
    var tailValue: SQLValue { tail.isEmpty ? .null : .blob(tail) }

    /// Builds an upload from a row selected with `SQLUploadRepository.columns`.
    init(row: SQLRow) throws {
        let etags: String = try row.decode("part_etags")
        self.init(
            id: try row.decode("id"), length: try row.decode("length"), offset: try row.decode("upload_offset"),
            fileName: try row.decode("file_name"), declaredHash: try row.decode("declared_hash"),
            albumID: try row.decode("album_id"), ownerID: try row.decode("owner_id"),
            tempPath: try row.decode("temp_path"), s3UploadID: try row.decode("s3_upload_id"),
            partETags: etags.isEmpty ? [] : etags.split(separator: "\n").map(String.init),
            tail: try row.decode("tail", as: [UInt8]?.self) ?? [],
            expiresAt: Timestamp.date(milliseconds: try row.decode("expires_at")),
            createdAt: Timestamp.date(milliseconds: try row.decode("created_at")),
            shareLinkID: try row.decode("share_link_id"))
    }
}
