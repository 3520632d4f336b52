import Foundation

/// `AccountRepository` over either dialect.
public struct SQLAccountRepository: AccountRepository {
    let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    static let userColumns = "users.id, users.username, users.created_at"
    static let tokenColumns = """
        api_tokens.id, api_tokens.user_id, users.username, api_tokens.name, api_tokens.token_hash,
        api_tokens.created_at, api_tokens.last_used_at, api_tokens.revoked_at
        """
    static let tokensWithUsers = "api_tokens JOIN users ON users.id = api_tokens.user_id"

    public func createUser(username: String, passwordHash: String) async throws -> User? {
        try await database.write(
            """
            INSERT INTO users (username, username_key, password_hash, created_at, updated_at)
            VALUES (\(username), \(User.key(username)), \(passwordHash), \(now: .text), \(now: .text))
            ON CONFLICT (username_key) DO NOTHING
            RETURNING \(raw: Self.userColumns)
            """
        ).first.map(User.init)
    }

    public func credentials(username: String) async throws -> UserCredentials? {
        guard
            let row = try await database.read(
                "SELECT \(raw: Self.userColumns), password_hash FROM users WHERE username_key = \(User.key(username))"
            ).first
        else { return nil }
        return UserCredentials(user: try User(row: row), passwordHash: try row.decode("password_hash"))
    }

    public func users() async throws -> [User] {
        try await database.read("SELECT \(raw: Self.userColumns) FROM users ORDER BY username_key").map(User.init)
    }

    public func changePassword(username: String, passwordHash: String) async throws -> Bool {
        // The new hash and the end of every session commit together.
        try await database.transaction { transaction in
            let changed = try await transaction.query(
                """
                UPDATE users SET password_hash = \(passwordHash), updated_at = \(now: .text)
                WHERE username_key = \(User.key(username)) RETURNING id
                """)
            guard let row = changed.first else { return false }
            try await transaction.query("DELETE FROM sessions WHERE user_id = \(try row.decode("id", as: Int64.self))")
            return true
        }
    }

    public func deleteUser(username: String) async throws -> Bool {
        // Sessions and tokens go by cascade; photos keep their rows, without an owner (ON DELETE SET NULL).
        !(try await database.write("DELETE FROM users WHERE username_key = \(User.key(username)) RETURNING id"))
            .isEmpty
    }

    public func createSession(userID: Int64, tokenHash: String, expiresAt: Date, now: Date) async throws {
        _ = try await database.write(
            """
            INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
            VALUES (\(tokenHash), \(userID), \(now), \(.milliseconds(expiresAt)), \(.milliseconds(now)))
            """)
    }

    public func session(tokenHash: String, now: Date) async throws -> SessionLookup? {
        guard
            let row = try await database.read(
                """
                SELECT \(raw: Self.userColumns), sessions.token_hash, sessions.expires_at, sessions.last_seen_at
                FROM sessions JOIN users ON users.id = sessions.user_id
                WHERE sessions.token_hash = \(tokenHash) AND sessions.expires_at > \(.milliseconds(now))
                """
            ).first
        else { return nil }
        return SessionLookup(
            user: try User(row: row), tokenHash: try row.decode("token_hash"), expiresAt: try row.decode("expires_at"),
            lastSeenAt: try row.decode("last_seen_at"))
    }

    public func touchSession(tokenHash: String, lastSeenAt: Date, expiresAt: Date) async throws {
        _ = try await database.write(
            """
            UPDATE sessions SET last_seen_at = \(.milliseconds(lastSeenAt)), expires_at = \(.milliseconds(expiresAt))
            WHERE token_hash = \(tokenHash)
            """)
    }

    public func deleteSession(tokenHash: String) async throws {
        _ = try await database.write("DELETE FROM sessions WHERE token_hash = \(tokenHash)")
    }

    public func deleteExpiredSessions(now: Date) async throws -> Int {
        try await database.write(
            "DELETE FROM sessions WHERE expires_at <= \(.milliseconds(now)) RETURNING token_hash"
        ).count
    }

    public func createToken(username: String, name: String, tokenHash: String) async throws -> APIToken? {
        try await database.transaction { transaction in
            let created = try await transaction.query(
                """
                INSERT INTO api_tokens (user_id, name, token_hash, created_at)
                SELECT id, \(name), \(tokenHash), \(now: .text) FROM users WHERE username_key = \(User.key(username))
                RETURNING id
                """)
            guard let id = try created.first?.decode("id", as: Int64.self) else { return nil }
            return try await transaction.query(
                "SELECT \(raw: Self.tokenColumns) FROM \(raw: Self.tokensWithUsers) WHERE api_tokens.id = \(id)"
            ).first.map(APIToken.init)
        }
    }

    public func token(tokenHash: String) async throws -> APIToken? {
        try await database.read(
            """
            SELECT \(raw: Self.tokenColumns) FROM \(raw: Self.tokensWithUsers)
            WHERE api_tokens.token_hash = \(tokenHash)
            """
        ).first.map(APIToken.init)
    }

    public func tokens(username: String?) async throws -> [APIToken] {
        let owner: SQLStatement = username.map { "WHERE users.username_key = \(User.key($0))" } ?? ""
        return try await database.read(
            "SELECT \(raw: Self.tokenColumns) FROM \(raw: Self.tokensWithUsers) \(owner) ORDER BY api_tokens.id DESC"
        ).map(APIToken.init)
    }

    public func revokeToken(id: Int64) async throws -> Bool {
        !(try await database.write(
            "UPDATE api_tokens SET revoked_at = \(now: .text) WHERE id = \(id) AND revoked_at IS NULL RETURNING id"
        )).isEmpty
    }

    public func touchToken(id: Int64, lastUsedAt: Date) async throws {
        _ = try await database.write("UPDATE api_tokens SET last_used_at = \(lastUsedAt) WHERE id = \(id)")
    }
}

extension User {
    /// Builds a user from a row selected with `SQLAccountRepository.userColumns`.
    init(row: SQLRow) throws {
        self.init(
            id: try row.decode("id"), username: try row.decode("username"), createdAt: try row.decode("created_at"))
    }
}

extension APIToken {
    /// Builds a token from a row selected with `SQLAccountRepository.tokenColumns`.
    init(row: SQLRow) throws {
        self.init(
            id: try row.decode("id"), userID: try row.decode("user_id"), username: try row.decode("username"),
            name: try row.decode("name"), tokenHash: try row.decode("token_hash"),
            createdAt: try row.decode("created_at"), lastUsedAt: try row.decode("last_used_at"),
            revokedAt: try row.decode("revoked_at"))
    }
}
