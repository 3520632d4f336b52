import Foundation

/// `AccountRepository` over either dialect.
public struct SQLAccountRepository: AccountRepository {
    let database: any SQLDatabase

    public init(database: any SQLDatabase) {
        self.database = database
    }

    static let userColumns =
        "users.id, users.username, users.created_at, users.role, users.disabled_at, users.last_sign_in_at"
    static let tokenColumns = """
        api_tokens.id, api_tokens.user_id, users.username, api_tokens.name, api_tokens.token_hash,
        api_tokens.created_at, api_tokens.last_used_at, api_tokens.revoked_at, users.role AS user_role,
        users.disabled_at AS user_disabled_at
        """
    static let tokensWithUsers = "api_tokens JOIN users ON users.id = api_tokens.user_id"

    public func createUser(username: String, passwordHash: String, role: Role) async throws -> User? {
        try await database.write(Self.insertUser(username: username, passwordHash: passwordHash, role: role))
            .first.map(User.init)
    }

    /// The INSERT of a new user, returning it; no row when the name is taken.
    static func insertUser(username: String, passwordHash: String, role: Role) -> SQLStatement {
        """
        INSERT INTO users (username, username_key, password_hash, role, created_at, updated_at)
        VALUES (\(username), \(User.key(username)), \(passwordHash), \(role.rawValue), \(now: .text), \(now: .text))
        ON CONFLICT (username_key) DO NOTHING
        RETURNING \(raw: userColumns)
        """
    }

    public func user(id: Int64) async throws -> User? {
        try await database.read("SELECT \(raw: Self.userColumns) FROM users WHERE id = \(id)").first.map(User.init)
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

    public func changePassword(userID: Int64, passwordHash: String, keepingSession: String?) async throws -> Bool {
        try await database.transaction { transaction in
            let changed = try await transaction.query(
                """
                UPDATE users SET password_hash = \(passwordHash), updated_at = \(now: .text)
                WHERE id = \(userID) RETURNING id
                """)
            guard !changed.isEmpty else { return false }
            let kept: SQLStatement = keepingSession.map { " AND token_hash <> \($0)" } ?? ""
            try await transaction.query("DELETE FROM sessions WHERE user_id = \(userID)\(kept)")
            return true
        }
    }

    public func updateAccount(userID: Int64, role: Role?, disabled: Bool?) async throws -> AccountChange {
        // The enabled admins' rows are locked first on PostgreSQL, so two admins demoting each other at once cannot
        // both succeed; SQLite's single writer serializes the transactions anyway.
        try await database.transaction { transaction in
            let admins = try await transaction.query(
                """
                SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id\(postgres: " FOR UPDATE", sqlite: "")
                """
            ).map { try $0.decode("id", as: Int64.self) }
            if role == .member || disabled == true, admins == [userID] { return .lastAdmin }
            var changes: [SQLStatement] = ["updated_at = \(now: .text)"]
            if let role { changes.append("role = \(role.rawValue)") }
            if let disabled {
                changes.append(disabled ? "disabled_at = COALESCE(disabled_at, \(now: .text))" : "disabled_at = NULL")
            }
            guard
                let row = try await transaction.query(
                    """
                    UPDATE users SET \(SQLStatement.joined(changes, by: ", ")) WHERE id = \(userID)
                    RETURNING \(raw: Self.userColumns)
                    """
                ).first
            else { return .notFound }
            // Its sessions end with it; its tokens are refused while it is disabled (their lookup joins the user).
            if disabled == true { try await transaction.query("DELETE FROM sessions WHERE user_id = \(userID)") }
            return .changed(try User(row: row))
        }
    }

    public func deleteUser(username: String) async throws -> Bool {
        // Sessions and tokens go by cascade; photos keep their rows, without an owner (ON DELETE SET NULL).
        !(try await database.write("DELETE FROM users WHERE username_key = \(User.key(username)) RETURNING id"))
            .isEmpty
    }

    public func createSession(userID: Int64, tokenHash: String, expiresAt: Date, now: Date) async throws {
        try await database.transaction { transaction in
            try await Self.startSession(
                userID: userID, record: NewSessionRecord(tokenHash: tokenHash, expiresAt: expiresAt), now: now,
                in: transaction)
        }
    }

    /// Inserts a session and records the sign-in on its user.
    static func startSession(userID: Int64, record: NewSessionRecord, now: Date, in transaction: SQLTransaction)
        async throws
    {
        try await transaction.query(
            """
            INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at)
            VALUES (\(record.tokenHash), \(userID), \(now), \(.milliseconds(record.expiresAt)), \(.milliseconds(now)))
            """)
        try await transaction.query("UPDATE users SET last_sign_in_at = \(now) WHERE id = \(userID)")
    }

    public func session(tokenHash: String, now: Date) async throws -> SessionLookup? {
        guard
            let row = try await database.read(
                """
                SELECT \(raw: Self.userColumns), sessions.token_hash, sessions.expires_at, sessions.last_seen_at
                FROM sessions JOIN users ON users.id = sessions.user_id
                WHERE sessions.token_hash = \(tokenHash) AND sessions.expires_at > \(.milliseconds(now))
                  AND users.disabled_at IS NULL
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

    public func revokeToken(id: Int64, userID: Int64?) async throws -> Bool {
        let owner: SQLStatement = userID.map { " AND user_id = \($0)" } ?? ""
        return
            !(try await database.write(
                """
                UPDATE api_tokens SET revoked_at = \(now: .text) WHERE id = \(id) AND revoked_at IS NULL\(owner) RETURNING id
                """
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
            id: try row.decode("id"), username: try row.decode("username"), createdAt: try row.decode("created_at"),
            role: Role(rawValue: try row.decode("role")) ?? .member, disabledAt: try row.decode("disabled_at"),
            lastSignInAt: try row.decode("last_sign_in_at"))
    }
}

extension APIToken {
    /// Builds a token from a row selected with `SQLAccountRepository.tokenColumns`.
    init(row: SQLRow) throws {
        self.init(
            id: try row.decode("id"), userID: try row.decode("user_id"), username: try row.decode("username"),
            name: try row.decode("name"), tokenHash: try row.decode("token_hash"),
            createdAt: try row.decode("created_at"), lastUsedAt: try row.decode("last_used_at"),
            revokedAt: try row.decode("revoked_at"), userRole: Role(rawValue: try row.decode("user_role")) ?? .member,
            userDisabled: try row.decode("user_disabled_at", as: Date?.self) != nil)
    }
}
