import Foundation

/// Users, their sessions and their API tokens. Secrets are handed in already hashed: bcrypt for passwords,
/// SHA-256 (hex) for session and API tokens, so nothing a client could replay is ever stored.
public protocol AccountRepository: Sendable {
    /// Creates a user with `role`; nil when the name is taken (in any letter case).
    func createUser(username: String, passwordHash: String, role: Role) async throws -> User?
    /// The user with this id.
    func user(id: Int64) async throws -> User?
    /// The user and password hash for a name, in any letter case.
    func credentials(username: String) async throws -> UserCredentials?
    /// Every user, by name.
    func users() async throws -> [User]
    /// Sets a new password hash and ends every session of the user, in one transaction; false when there is no such user.
    func changePassword(username: String, passwordHash: String) async throws -> Bool
    /// Sets a new password hash by id and ends every session of the user but `keepingSession` (the one asking), in one
    /// transaction; false when there is no such user.
    func changePassword(userID: Int64, passwordHash: String, keepingSession: String?) async throws -> Bool
    /// Changes the user's role and/or disables them (ending their sessions in the same transaction) or enables them
    /// again, all or nothing; refused (`lastAdmin`) when it would leave no enabled admin.
    func updateAccount(userID: Int64, role: Role?, disabled: Bool?) async throws -> AccountChange
    /// Deletes a user with their sessions and tokens; their photos stay, without an owner. False when there is no such user.
    func deleteUser(username: String) async throws -> Bool

    /// Records a new session, and the user's last sign-in.
    func createSession(userID: Int64, tokenHash: String, expiresAt: Date, now: Date) async throws
    /// The unexpired session with this token hash, with its user (one query); nil when the user is disabled.
    func session(tokenHash: String, now: Date) async throws -> SessionLookup?
    /// Slides a session's expiry forward (called at most once a minute per session).
    func touchSession(tokenHash: String, lastSeenAt: Date, expiresAt: Date) async throws
    /// Ends a session (sign-out).
    func deleteSession(tokenHash: String) async throws
    /// Removes sessions that have expired; returns how many.
    func deleteExpiredSessions(now: Date) async throws -> Int

    /// Records a new API token for a user; nil when there is no such user.
    func createToken(username: String, name: String, tokenHash: String) async throws -> APIToken?
    /// The API token with this hash, revoked or not, with its user's name (one query).
    func token(tokenHash: String) async throws -> APIToken?
    /// Every token (of one user when `username` is given), newest first.
    func tokens(username: String?) async throws -> [APIToken]
    /// Marks a token revoked (only one of `userID`'s when given); false when there is no such token or it was
    /// revoked already.
    func revokeToken(id: Int64, userID: Int64?) async throws -> Bool
    /// Records when a token was last used (called at most once a minute per token).
    func touchToken(id: Int64, lastUsedAt: Date) async throws

    /// Records a new invite or reset link; a new reset revokes the account's earlier pending ones. Nil when a reset's
    /// user does not exist.
    func createLink(_ link: NewAccountLink) async throws -> AccountLink?
    /// The link with this token hash, in whatever state, with a reset's account name.
    func link(tokenHash: String) async throws -> AccountLink?
    /// The links that can still be used at `now`, newest first.
    func pendingLinks(now: Date) async throws -> [AccountLink]
    /// Revokes a pending link; false when there is no such link or it can no longer be used.
    func revokeLink(id: Int64) async throws -> Bool
    /// Uses a pending link once, in one transaction: an invite makes the account (`username` when the invite does
    /// not fix one), a reset sets its new password and ends its sessions; either way `session` is started for it.
    /// Anything but `redeemed` writes nothing.
    func redeemLink(
        tokenHash: String, username: String?, passwordHash: String, session: NewSessionRecord, now: Date
    ) async throws -> AccountLinkRedemption
}

extension AccountRepository {
    /// Creates a member; nil when the name is taken.
    public func createUser(username: String, passwordHash: String) async throws -> User? {
        try await createUser(username: username, passwordHash: passwordHash, role: .member)
    }

    /// Makes the user an admin or a member.
    public func setRole(userID: Int64, role: Role) async throws -> AccountChange {
        try await updateAccount(userID: userID, role: role, disabled: nil)
    }

    /// Disables or enables the user.
    public func setDisabled(userID: Int64, disabled: Bool) async throws -> AccountChange {
        try await updateAccount(userID: userID, role: nil, disabled: disabled)
    }

    /// Revokes a token, whoever's it is (`app tokens revoke`).
    public func revokeToken(id: Int64) async throws -> Bool {
        try await revokeToken(id: id, userID: nil)
    }
}
