import Foundation

/// A one-time link an admin hands out, as recorded in `account_links`: an invite makes a new account, a reset
/// sets a new password for an existing one. Only the SHA-256 of its token is stored.
public struct AccountLink: Sendable, Equatable, Identifiable {
    /// What opening the link does; stored as `invite` and `reset`.
    public enum Kind: String, Sendable, Equatable {
        case invite, reset
    }

    /// Whether the link can still be used; anything but `pending` answers 410.
    public enum State: String, Sendable, Equatable {
        case pending, used, expired, revoked
    }

    public var id: Int64
    public var kind: Kind
    public var tokenHash: String
    /// A reset's account (with its name in `username`); an invite's once used.
    public var userID: Int64?
    /// An invite's fixed username (nil: the person chooses one); a reset's account name.
    public var username: String?
    public var role: Role
    /// The admin's note on whom it is for (a name, an email address); shown only to admins.
    public var note: String?
    public var createdBy: Int64?
    public var createdAt: Date
    public var expiresAt: Date
    public var usedAt: Date?
    public var revokedAt: Date?

    public init(
        id: Int64, kind: Kind, tokenHash: String, userID: Int64?, username: String?, role: Role, note: String?,
        createdBy: Int64?, createdAt: Date, expiresAt: Date, usedAt: Date?, revokedAt: Date?
    ) {
        self.id = id
        self.kind = kind
        self.tokenHash = tokenHash
        self.userID = userID
        self.username = username
        self.role = role
        self.note = note
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.revokedAt = revokedAt
    }

    /// The link's state at `now`: used and revoked win over expired.
    public func state(at now: Date) -> State {
        if usedAt != nil { return .used }
        if revokedAt != nil { return .revoked }
        return expiresAt > now ? .pending : .expired
    }
}

/// What a new link is: an invite (with an optional fixed username, a role and a note) or a reset for `userID`.
public struct NewAccountLink: Sendable {
    public var kind: AccountLink.Kind
    public var tokenHash: String
    public var userID: Int64?
    public var username: String?
    public var role: Role
    public var note: String?
    public var createdBy: Int64?
    public var expiresAt: Date

    public init(
        kind: AccountLink.Kind, tokenHash: String, userID: Int64? = nil, username: String? = nil,
        role: Role = .member, note: String? = nil, createdBy: Int64?, expiresAt: Date
    ) {
        self.kind = kind
        self.tokenHash = tokenHash
        self.userID = userID
        self.username = username
        self.role = role
        self.note = note
        self.createdBy = createdBy
        self.expiresAt = expiresAt
    }
}

/// The session a redeemed link starts, so the new account is signed in by the same transaction that makes it.
public struct NewSessionRecord: Sendable {
    public var tokenHash: String
    public var expiresAt: Date

    public init(tokenHash: String, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
    }
}

/// The outcome of using a link: the account it made or changed, or why nothing happened (and nothing was written).
public enum AccountLinkRedemption: Sendable, Equatable {
    case redeemed(User)
    /// Used, expired or revoked meanwhile (or never issued): 410.
    case gone
    /// An invite whose chosen username is taken (in any letter case).
    case usernameTaken
    /// A reset for an account that has been disabled.
    case accountDisabled
}

/// The outcome of an admin's change to an account.
public enum AccountChange: Sendable, Equatable {
    case changed(User)
    case notFound
    /// It would leave no enabled admin: refused, nothing changed.
    case lastAdmin
}
