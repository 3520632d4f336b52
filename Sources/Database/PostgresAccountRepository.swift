import Foundation
import PostgresNIO

/// `AccountRepository` on PostgreSQL: each operation is one statement.
public struct PostgresAccountRepository: AccountRepository {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    static let tokenColumns = """
        api_tokens.id, api_tokens.user_id, users.username, api_tokens.name, api_tokens.token_hash,
        api_tokens.created_at, api_tokens.last_used_at, api_tokens.revoked_at
        """

    public func createUser(username: String, passwordHash: String) async throws -> User? {
        try await database.query(
            """
            INSERT INTO users (username, username_key, password_hash) VALUES (\(username), \(User.key(username)), \(passwordHash))
            ON CONFLICT (username_key) DO NOTHING RETURNING id, username, created_at
            """
        ).first.map(Self.decodeUser)
    }

    public func credentials(username: String) async throws -> UserCredentials? {
        guard let row = try await database.query(
            "SELECT id, username, created_at, password_hash FROM users WHERE username_key = \(User.key(username))"
        ).first else { return nil }
        let hash = try Self.decoding { try row.makeRandomAccess()["password_hash"].decode(String.self) }
        return UserCredentials(user: try Self.decodeUser(row), passwordHash: hash)
    }

    public func users() async throws -> [User] {
        try await database.query("SELECT id, username, created_at FROM users ORDER BY username_key").map(Self.decodeUser)
    }

    public func changePassword(username: String, passwordHash: String) async throws -> Bool {
        // One statement: the new hash and the end of every session commit together.
        let rows = try await database.query(
            """
            WITH changed AS (
                UPDATE users SET password_hash = \(passwordHash), updated_at = now()
                WHERE username_key = \(User.key(username)) RETURNING id),
            ended AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM changed) RETURNING token_hash)
            SELECT count(*) FROM changed
            """)
        return try (rows.first?.decode(Int.self) ?? 0) > 0
    }

    public func deleteUser(username: String) async throws -> Bool {
        // Sessions and tokens go by cascade; photos keep their rows, without an owner (ON DELETE SET NULL).
        !(try await database.query("DELETE FROM users WHERE username_key = \(User.key(username)) RETURNING id")).isEmpty
    }

    public func createSession(userID: Int64, tokenHash: String, expiresAt: Date, now: Date) async throws {
        _ = try await database.query(
            """
            INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
            VALUES (\(tokenHash), \(userID), \(now), \(expiresAt), \(now))
            """)
    }

    public func session(tokenHash: String, now: Date) async throws -> SessionLookup? {
        guard let row = try await database.query(
            """
            SELECT users.id, users.username, users.created_at, sessions.token_hash, sessions.expires_at,
                   sessions.last_seen_at
            FROM sessions JOIN users ON users.id = sessions.user_id
            WHERE sessions.token_hash = \(tokenHash) AND sessions.expires_at > \(now)
            """
        ).first else { return nil }
        let cells = row.makeRandomAccess()
        return try Self.decoding {
            SessionLookup(
                user: try Self.decodeUser(row), tokenHash: try cells["token_hash"].decode(String.self),
                expiresAt: try cells["expires_at"].decode(Date.self), lastSeenAt: try cells["last_seen_at"].decode(Date.self))
        }
    }

    public func touchSession(tokenHash: String, lastSeenAt: Date, expiresAt: Date) async throws {
        _ = try await database.query(
            "UPDATE sessions SET last_seen_at = \(lastSeenAt), expires_at = \(expiresAt) WHERE token_hash = \(tokenHash)")
    }

    public func deleteSession(tokenHash: String) async throws {
        _ = try await database.query("DELETE FROM sessions WHERE token_hash = \(tokenHash)")
    }

    public func deleteExpiredSessions(now: Date) async throws -> Int {
        try await database.query("DELETE FROM sessions WHERE expires_at <= \(now) RETURNING token_hash").count
    }

    public func createToken(username: String, name: String, tokenHash: String) async throws -> APIToken? {
        try await database.query(
            """
            WITH created AS (
                INSERT INTO api_tokens (user_id, name, token_hash)
                SELECT id, \(name), \(tokenHash) FROM users WHERE username_key = \(User.key(username))
                RETURNING *)
            SELECT \(unescaped: Self.tokenColumns.replacingOccurrences(of: "api_tokens.", with: "created."))
            FROM created AS created JOIN users ON users.id = created.user_id
            """
        ).first.map(Self.decodeToken)
    }

    public func token(tokenHash: String) async throws -> APIToken? {
        try await database.query(
            """
            SELECT \(unescaped: Self.tokenColumns) FROM api_tokens JOIN users ON users.id = api_tokens.user_id
            WHERE api_tokens.token_hash = \(tokenHash)
            """
        ).first.map(Self.decodeToken)
    }

    public func tokens(username: String?) async throws -> [APIToken] {
        let rows: [PostgresRow]
        if let username {
            rows = try await database.query(
                """
                SELECT \(unescaped: Self.tokenColumns) FROM api_tokens JOIN users ON users.id = api_tokens.user_id
                WHERE users.username_key = \(User.key(username)) ORDER BY api_tokens.id DESC
                """)
        } else {
            rows = try await database.query(
                """
                SELECT \(unescaped: Self.tokenColumns) FROM api_tokens JOIN users ON users.id = api_tokens.user_id
                ORDER BY api_tokens.id DESC
                """)
        }
        return try rows.map(Self.decodeToken)
    }

    public func revokeToken(id: Int64) async throws -> Bool {
        !(try await database.query(
            "UPDATE api_tokens SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL RETURNING id")
        ).isEmpty
    }

    public func touchToken(id: Int64, lastUsedAt: Date) async throws {
        _ = try await database.query("UPDATE api_tokens SET last_used_at = \(lastUsedAt) WHERE id = \(id)")
    }

    /// Runs a decode, turning a driver's decoding error into a `corruptRow`.
    static func decoding<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError(.corruptRow, "an account row is missing required columns", underlying: PostgresDriverError(error))
        }
    }

    static func decodeUser(_ row: PostgresRow) throws -> User {
        let cells = row.makeRandomAccess()
        return try decoding {
            User(
                id: try cells["id"].decode(Int64.self), username: try cells["username"].decode(String.self),
                createdAt: try cells["created_at"].decode(Date.self))
        }
    }

    static func decodeToken(_ row: PostgresRow) throws -> APIToken {
        let cells = row.makeRandomAccess()
        return try decoding {
            APIToken(
                id: try cells["id"].decode(Int64.self), userID: try cells["user_id"].decode(Int64.self),
                username: try cells["username"].decode(String.self), name: try cells["name"].decode(String.self),
                tokenHash: try cells["token_hash"].decode(String.self), createdAt: try cells["created_at"].decode(Date.self),
                lastUsedAt: try cells["last_used_at"].decode(Date?.self), revokedAt: try cells["revoked_at"].decode(Date?.self))
        }
    }
}
