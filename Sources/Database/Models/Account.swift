import Foundation

/// What an account may do: admins also manage accounts (invite, disable, reset passwords, grant admin).
/// Stored as the stable strings `admin` and `member`.
public enum Role: String, Sendable, Equatable, CaseIterable {
    case admin, member
}

/// A person who can sign in, as recorded in `users` (without the password hash).
public struct User: Sendable, Equatable, Identifiable {
    public var id: Int64
    /// The name as it was typed at creation; unique regardless of case.
    public var username: String
    public var createdAt: Date
    public var role: Role
    /// When an admin disabled the account; a disabled account cannot sign in and its sessions and tokens are refused.
    public var disabledAt: Date?
    /// When the account last started a session (nil: never, or before this was recorded).
    public var lastSignInAt: Date?

    public init(
        id: Int64, username: String, createdAt: Date, role: Role = .member, disabledAt: Date? = nil,
        lastSignInAt: Date? = nil
    ) {
        self.id = id
        self.username = username
        self.createdAt = createdAt
        self.role = role
        self.disabledAt = disabledAt
        self.lastSignInAt = lastSignInAt
    }

    public var isAdmin: Bool { role == .admin }
    public var isDisabled: Bool { disabledAt != nil }

    /// The key usernames are unique by: the name lowercased, so `Alice` and `alice` are one account.
    public static func key(_ username: String) -> String { username.lowercased() }
}

/// A user with the bcrypt hash their password is checked against (login and `app users passwd`).
public struct UserCredentials: Sendable, Equatable {
    public var user: User
    public var passwordHash: String

    public init(user: User, passwordHash: String) {
        self.user = user
        self.passwordHash = passwordHash
    }
}

/// A live session found by its token's hash: whose it is and when it was last refreshed.
public struct SessionLookup: Sendable, Equatable {
    public var user: User
    public var tokenHash: String
    public var expiresAt: Date
    public var lastSeenAt: Date

    public init(user: User, tokenHash: String, expiresAt: Date, lastSeenAt: Date) {
        self.user = user
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.lastSeenAt = lastSeenAt
    }
}

/// An API token as `app tokens list` shows it; the secret itself is never stored, only its SHA-256.
public struct APIToken: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var userID: Int64
    public var username: String
    /// The label given at creation (`--name`), to tell a user's tokens apart.
    public var name: String
    public var tokenHash: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    /// The role of the token's user, and whether that account is disabled (its tokens are then refused).
    public var userRole: Role
    public var userDisabled: Bool

    public init(
        id: Int64, userID: Int64, username: String, name: String, tokenHash: String, createdAt: Date,
        lastUsedAt: Date?, revokedAt: Date?, userRole: Role = .member, userDisabled: Bool = false
    ) {
        self.id = id
        self.userID = userID
        self.username = username
        self.name = name
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
        self.userRole = userRole
        self.userDisabled = userDisabled
    }

    public var isRevoked: Bool { revokedAt != nil }
}
