import Foundation
import SQLiteNIO

/// `AccountRepository` on an SQLite file.
public struct SQLiteAccountRepository: AccountRepository {
    let database: SQLiteDatabase

    public init(database: SQLiteDatabase) {
        self.database = database
    }

    static let tokenColumns = """
        api_tokens.id, api_tokens.user_id, users.username, api_tokens.name, api_tokens.token_hash,
        api_tokens.created_at, api_tokens.last_used_at, api_tokens.revoked_at
        """

    public func createUser(username: String, passwordHash: String) async throws -> User? {
        try await database.write { connection in
            let stamp = Timestamp.iso8601(Date())
            let rows = try await connection.query(
                """
                INSERT INTO users (username, username_key, password_hash, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT (username_key) DO NOTHING
                RETURNING id, username, created_at
                """,
                [.text(username), .text(User.key(username)), .text(passwordHash), .text(stamp), .text(stamp)])
            return try rows.first.map(Self.decodeUser)
        }
    }

    public func credentials(username: String) async throws -> UserCredentials? {
        try await database.read { connection in
            guard let row = try await connection.query(
                "SELECT id, username, created_at, password_hash FROM users WHERE username_key = ?",
                [.text(User.key(username))]
            ).first else { return nil }
            return UserCredentials(user: try Self.decodeUser(row), passwordHash: row.column("password_hash")?.string ?? "")
        }
    }

    public func users() async throws -> [User] {
        try await database.read { connection in
            try await connection.query("SELECT id, username, created_at FROM users ORDER BY username_key")
                .map(Self.decodeUser)
        }
    }

    public func changePassword(username: String, passwordHash: String) async throws -> Bool {
        try await database.write { connection in
            let updated = try await connection.query(
                "UPDATE users SET password_hash = ?, updated_at = ? WHERE username_key = ? RETURNING id",
                [.text(passwordHash), .text(Timestamp.iso8601(Date())), .text(User.key(username))])
            guard let id = updated.first?.column("id")?.integer else { return false }
            _ = try await connection.query("DELETE FROM sessions WHERE user_id = ?", [.integer(id)])
            return true
        }
    }

    public func deleteUser(username: String) async throws -> Bool {
        try await database.write { connection in
            // Sessions and tokens go by cascade; photos keep their rows, without an owner (ON DELETE SET NULL).
            !(try await connection.query(
                "DELETE FROM users WHERE username_key = ? RETURNING id", [.text(User.key(username))]
            )).isEmpty
        }
    }

    public func createSession(userID: Int64, tokenHash: String, expiresAt: Date, now: Date) async throws {
        try await database.write { connection in
            _ = try await connection.query(
                "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
                [
                    .text(tokenHash), .integer(Int(userID)), .text(Timestamp.iso8601(now)),
                    .integer(Int(Timestamp.milliseconds(expiresAt))), .integer(Int(Timestamp.milliseconds(now))),
                ])
        }
    }

    public func session(tokenHash: String, now: Date) async throws -> SessionLookup? {
        try await database.read { connection in
            guard let row = try await connection.query(
                """
                SELECT users.id, users.username, users.created_at, sessions.token_hash, sessions.expires_at,
                       sessions.last_seen_at
                FROM sessions JOIN users ON users.id = sessions.user_id
                WHERE sessions.token_hash = ? AND sessions.expires_at > ?
                """, [.text(tokenHash), .integer(Int(Timestamp.milliseconds(now)))]
            ).first else { return nil }
            guard let hash = row.column("token_hash")?.string, let expires = row.column("expires_at")?.integer,
                let seen = row.column("last_seen_at")?.integer
            else { throw DatabaseError(.corruptRow, "a session row is missing required columns") }
            return SessionLookup(
                user: try Self.decodeUser(row), tokenHash: hash,
                expiresAt: Timestamp.date(milliseconds: Int64(expires)), lastSeenAt: Timestamp.date(milliseconds: Int64(seen)))
        }
    }

    public func touchSession(tokenHash: String, lastSeenAt: Date, expiresAt: Date) async throws {
        try await database.write { connection in
            _ = try await connection.query(
                "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?",
                [
                    .integer(Int(Timestamp.milliseconds(lastSeenAt))), .integer(Int(Timestamp.milliseconds(expiresAt))),
                    .text(tokenHash),
                ])
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await database.write { connection in
            _ = try await connection.query("DELETE FROM sessions WHERE token_hash = ?", [.text(tokenHash)])
        }
    }

    public func deleteExpiredSessions(now: Date) async throws -> Int {
        try await database.write { connection in
            try await connection.query(
                "DELETE FROM sessions WHERE expires_at <= ? RETURNING token_hash",
                [.integer(Int(Timestamp.milliseconds(now)))]
            ).count
        }
    }

    public func createToken(username: String, name: String, tokenHash: String) async throws -> APIToken? {
        try await database.write { connection in
            guard let userID = try await connection.query(
                "SELECT id FROM users WHERE username_key = ?", [.text(User.key(username))]
            ).first?.column("id")?.integer else { return nil }
            guard let id = try await connection.query(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                [.integer(userID), .text(name), .text(tokenHash), .text(Timestamp.iso8601(Date()))]
            ).first?.column("id")?.integer else { throw DatabaseError(.corruptRow, "insert returned no token") }
            return try await connection.query(
                "SELECT \(Self.tokenColumns) FROM api_tokens JOIN users ON users.id = api_tokens.user_id WHERE api_tokens.id = ?",
                [.integer(id)]
            ).first.map(Self.decodeToken)
        }
    }

    public func token(tokenHash: String) async throws -> APIToken? {
        try await database.read { connection in
            try await connection.query(
                """
                SELECT \(Self.tokenColumns) FROM api_tokens JOIN users ON users.id = api_tokens.user_id
                WHERE api_tokens.token_hash = ?
                """, [.text(tokenHash)]
            ).first.map(Self.decodeToken)
        }
    }

    public func tokens(username: String?) async throws -> [APIToken] {
        try await database.read { connection in
            var sql = "SELECT \(Self.tokenColumns) FROM api_tokens JOIN users ON users.id = api_tokens.user_id"
            var bindings: [SQLiteData] = []
            if let username {
                sql += " WHERE users.username_key = ?"
                bindings.append(.text(User.key(username)))
            }
            return try await connection.query(sql + " ORDER BY api_tokens.id DESC", bindings).map(Self.decodeToken)
        }
    }

    public func revokeToken(id: Int64) async throws -> Bool {
        try await database.write { connection in
            !(try await connection.query(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id",
                [.text(Timestamp.iso8601(Date())), .integer(Int(id))])
            ).isEmpty
        }
    }

    public func touchToken(id: Int64, lastUsedAt: Date) async throws {
        try await database.write { connection in
            _ = try await connection.query(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [.text(Timestamp.iso8601(lastUsedAt)), .integer(Int(id))])
        }
    }

    static func decodeUser(_ row: SQLiteRow) throws -> User {
        guard let id = row.column("id")?.integer, let name = row.column("username")?.string,
            let created = row.column("created_at")?.string.flatMap(Timestamp.parse)
        else { throw DatabaseError(.corruptRow, "a user row is missing required columns") }
        return User(id: Int64(id), username: name, createdAt: created)
    }

    static func decodeToken(_ row: SQLiteRow) throws -> APIToken {
        guard let id = row.column("id")?.integer, let userID = row.column("user_id")?.integer,
            let username = row.column("username")?.string, let name = row.column("name")?.string,
            let hash = row.column("token_hash")?.string,
            let created = row.column("created_at")?.string.flatMap(Timestamp.parse)
        else { throw DatabaseError(.corruptRow, "a token row is missing required columns") }
        return APIToken(
            id: Int64(id), userID: Int64(userID), username: username, name: name, tokenHash: hash, createdAt: created,
            lastUsedAt: row.column("last_used_at")?.string.flatMap(Timestamp.parse),
            revokedAt: row.column("revoked_at")?.string.flatMap(Timestamp.parse))
    }
}
