import Foundation

/// What a share link opens: one album or one photo.
public enum ShareTarget: Sendable, Equatable {
    case album(Int64)
    case photo(Int64)

    public var albumID: Int64? {
        if case .album(let id) = self { return id }
        return nil
    }

    public var photoID: Int64? {
        if case .photo(let id) = self { return id }
        return nil
    }
}

/// What a guest holding a link may do with what it opens.
public struct SharePermissions: Sendable, Equatable {
    /// Fetch originals and the ZIP.
    public var download: Bool
    /// Add photos to the album (album links only).
    public var upload: Bool
    /// See the album or photo; false with `upload` makes a drop box.
    public var view: Bool

    public init(download: Bool = true, upload: Bool = false, view: Bool = true) {
        self.download = download
        self.upload = upload
        self.view = view
    }
}

/// A public link to an album or a photo, as stored in `share_links`: never its token, only the token's SHA-256.
public struct ShareLink: Sendable, Equatable, Identifiable {
    public var id: Int64
    /// SHA-256 (hex) of the token in the link's URL.
    public var tokenHash: String
    public var target: ShareTarget
    /// Who made it; nil when sign-in was not required.
    public var ownerID: Int64?
    /// bcrypt hash of the link's password; nil for a link without one.
    public var passwordHash: String?
    public var permissions: SharePermissions
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var createdAt: Date

    public init(
        id: Int64, tokenHash: String, target: ShareTarget, ownerID: Int64?, passwordHash: String?,
        permissions: SharePermissions, expiresAt: Date?, revokedAt: Date?, createdAt: Date
    ) {
        self.id = id
        self.tokenHash = tokenHash
        self.target = target
        self.ownerID = ownerID
        self.passwordHash = passwordHash
        self.permissions = permissions
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    /// Whether the link still opens anything at `now`.
    public enum State: String, Sendable {
        case active, expired, revoked
    }

    public func state(at now: Date) -> State {
        if revokedAt != nil { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        return .active
    }
}

/// A link to be made: everything but its id and creation time.
public struct NewShareLink: Sendable, Equatable {
    public var tokenHash: String
    public var target: ShareTarget
    public var ownerID: Int64?
    public var passwordHash: String?
    public var permissions: SharePermissions
    public var expiresAt: Date?

    public init(
        tokenHash: String, target: ShareTarget, ownerID: Int64?, passwordHash: String?,
        permissions: SharePermissions, expiresAt: Date?
    ) {
        self.tokenHash = tokenHash
        self.target = target
        self.ownerID = ownerID
        self.passwordHash = passwordHash
        self.permissions = permissions
        self.expiresAt = expiresAt
    }
}

/// A link as its owner's list shows it: what it shares (by name) and how many photos guests added through it.
public struct ShareLinkSummary: Sendable, Equatable {
    public var link: ShareLink
    /// The album's name or the photo's file name; nil when it has gone.
    public var targetName: String?
    public var guestUploadCount: Int

    public init(link: ShareLink, targetName: String?, guestUploadCount: Int) {
        self.link = link
        self.targetName = targetName
        self.guestUploadCount = guestUploadCount
    }
}
