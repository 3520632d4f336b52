import Foundation

/// Invite and reset links: made by an admin, used once by the person they are for.
extension SQLAccountRepository {
    static let linkColumns = """
        account_links.id, account_links.kind, account_links.token_hash, account_links.user_id,
        COALESCE(users.username, account_links.username) AS link_username, account_links.role, account_links.note,
        account_links.created_by, account_links.created_at, account_links.expires_at, account_links.used_at,
        account_links.revoked_at
        """
    static let linksWithUsers = "account_links LEFT JOIN users ON users.id = account_links.user_id"

    public func createLink(_ link: NewAccountLink) async throws -> AccountLink? {
        try await database.transaction { transaction in
            if link.kind == .reset, let userID = link.userID {
                guard !(try await transaction.query("SELECT id FROM users WHERE id = \(userID)")).isEmpty else {
                    return nil
                }
                // One reset link per account at a time: the newest.
                try await transaction.query(
                    """
                    UPDATE account_links SET revoked_at = \(now: .text)
                    WHERE user_id = \(userID) AND kind = 'reset' AND used_at IS NULL AND revoked_at IS NULL
                    """)
            }
            let created = try await transaction.query(
                """
                INSERT INTO account_links (token_hash, kind, user_id, username, role, note, created_by, created_at,
                                           expires_at)
                VALUES (\(link.tokenHash), \(link.kind.rawValue), \(link.userID), \(link.username),
                        \(link.role.rawValue), \(link.note), \(link.createdBy), \(now: .text), \(link.expiresAt))
                RETURNING id
                """)
            let id = try created[0].decode("id", as: Int64.self)
            return try await transaction.query(
                "SELECT \(raw: Self.linkColumns) FROM \(raw: Self.linksWithUsers) WHERE account_links.id = \(id)"
            ).first.map(AccountLink.init)
        }
    }

    public func link(tokenHash: String) async throws -> AccountLink? {
        try await database.read(
            """
            SELECT \(raw: Self.linkColumns) FROM \(raw: Self.linksWithUsers)
            WHERE account_links.token_hash = \(tokenHash)
            """
        ).first.map(AccountLink.init)
    }

    public func pendingLinks(now: Date) async throws -> [AccountLink] {
        try await database.read(
            """
            SELECT \(raw: Self.linkColumns) FROM \(raw: Self.linksWithUsers)
            WHERE account_links.used_at IS NULL AND account_links.revoked_at IS NULL
              AND account_links.expires_at > \(now)
            ORDER BY account_links.id DESC
            """
        ).map(AccountLink.init)
    }

    public func revokeLink(id: Int64) async throws -> Bool {
        !(try await database.write(
            """
            UPDATE account_links SET revoked_at = \(now: .text)
            WHERE id = \(id) AND used_at IS NULL AND revoked_at IS NULL AND expires_at > \(now: .text)
            RETURNING id
            """
        )).isEmpty
    }

    public func redeemLink(
        tokenHash: String, username: String?, passwordHash: String, session: NewSessionRecord, now: Date
    ) async throws -> AccountLinkRedemption {
        // Every refusal is found before the first write, so returning one commits nothing. On PostgreSQL the link's
        // row is locked (and its state checked again once a concurrent redemption commits), so only one person gets
        // it; SQLite's single writer serializes the transactions anyway.
        try await database.transaction { transaction in
            guard
                let link = try await transaction.query(
                    """
                    SELECT id, kind, user_id, username, role FROM account_links
                    WHERE token_hash = \(tokenHash) AND used_at IS NULL AND revoked_at IS NULL AND expires_at > \(now)
                    \(postgres: "FOR UPDATE", sqlite: "")
                    """
                ).first
            else { return .gone }
            let linkID = try link.decode("id", as: Int64.self)
            let user: User
            if try link.decode("kind", as: String.self) == AccountLink.Kind.reset.rawValue {
                let userID = try link.decode("user_id", as: Int64.self)
                guard
                    let row = try await transaction.query(
                        "SELECT \(raw: Self.userColumns) FROM users WHERE id = \(userID)\(postgres: " FOR UPDATE", sqlite: "")"
                    ).first
                else { return .gone }
                user = try User(row: row)
                guard !user.isDisabled else { return .accountDisabled }
                try await transaction.query(
                    "UPDATE users SET password_hash = \(passwordHash), updated_at = \(now: .text) WHERE id = \(userID)")
                try await transaction.query("DELETE FROM sessions WHERE user_id = \(userID)")
                // A reset is for a password someone else may know: whatever it let them make goes with it.
                try await transaction.query(
                    "UPDATE api_tokens SET revoked_at = \(now: .text) WHERE user_id = \(userID) AND revoked_at IS NULL")
            } else {
                guard let name = try link.decode("username", as: String?.self) ?? username else { return .gone }
                let role = Role(rawValue: try link.decode("role")) ?? .member
                guard
                    let row = try await transaction.query(
                        Self.insertUser(username: name, passwordHash: passwordHash, role: role)
                    ).first
                else { return .usernameTaken }
                user = try User(row: row)
            }
            try await transaction.query(
                "UPDATE account_links SET used_at = \(now), user_id = \(user.id) WHERE id = \(linkID)")
            try await Self.startSession(userID: user.id, record: session, now: now, in: transaction)
            return .redeemed(user)
        }
    }
}

extension AccountLink {
    /// Builds a link from a row selected with `SQLAccountRepository.linkColumns`.
    init(row: SQLRow) throws {
        self.init(
            id: try row.decode("id"), kind: Kind(rawValue: try row.decode("kind")) ?? .invite,
            tokenHash: try row.decode("token_hash"), userID: try row.decode("user_id"),
            username: try row.decode("link_username"), role: Role(rawValue: try row.decode("role")) ?? .member,
            note: try row.decode("note"), createdBy: try row.decode("created_by"),
            createdAt: try row.decode("created_at"), expiresAt: try row.decode("expires_at"),
            usedAt: try row.decode("used_at"), revokedAt: try row.decode("revoked_at"))
    }
}
