import Foundation

/// Users, their sessions and their API tokens. Secrets are handed in already hashed: bcrypt for passwords,
/// SHA-256 (hex) for session and API tokens, so nothing a client could replay is ever stored.
public protocol AccountRepository: Sendable {
    /// Creates a user; nil when the name is taken (in any letter case).
    func createUser(username: String, passwordHash: String) async throws -> User?
    /// The user and password hash for a name, in any letter case.
    func credentials(username: String) async throws -> UserCredentials?
    /// Every user, by name.
    func users() async throws -> [User]
    /// Sets a new password hash and ends every session of the user, in one transaction; false when there is no such user.
    func changePassword(username: String, passwordHash: String) async throws -> Bool
    /// Deletes a user with their sessions and tokens; their photos stay, without an owner. False when there is no such user.
    func deleteUser(username: String) async throws -> Bool

    /// Records a new session.
    func createSession(userID: Int64, tokenHash: String, expiresAt: Date, now: Date) async throws
    /// The unexpired session with this token hash, with its user (one query).
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
    /// Marks a token revoked; false when there is no such token or it was revoked already.
    func revokeToken(id: Int64) async throws -> Bool
    /// Records when a token was last used (called at most once a minute per token).
    func touchToken(id: Int64, lastUsedAt: Date) async throws
}
