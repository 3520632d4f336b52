import Database
import Foundation

/// A one-time secret shown once at the top of a page: an invite or reset link, or a new API token.
struct OneTimeSecret: Sendable {
    let heading: String
    let explanation: String
    let value: String
    let label: String
}

/// `/accounts`: every account and the pending links, for admins.
struct AccountsPage: Sendable {
    let title = "Accounts"
    let chrome: PageChrome
    let accounts: [AccountRow]
    let invites: [InviteRow]
    let hasInvites: Bool
    /// A link just made, shown only this once.
    let secret: OneTimeSecret?
    /// Why the last change was refused.
    let message: String?
    let expiryChoices: [ExpiryChoice]
}

/// A choice of how long a new invite works.
struct ExpiryChoice: Sendable {
    let days: Int
    let text: String
    let isSelected: Bool

    static func all(selected: Int = AccountLinkRequest.defaultDays) -> [ExpiryChoice] {
        [1, 3, 7, 14, 30].map {
            ExpiryChoice(days: $0, text: $0 == 1 ? "1 day" : "\($0) days", isSelected: $0 == selected)
        }
    }
}

/// One account in the admin's list.
struct AccountRow: Sendable {
    let id: Int64
    let username: String
    let roleText: String
    let isAdmin: Bool
    let isDisabled: Bool
    let isSelf: Bool
    /// The one enabled admin: the page does not offer to demote or disable it (the server would refuse).
    let isOnlyAdmin: Bool
    let createdText: String
    let lastSignInText: String

    init(_ user: User, viewer: Int64?, enabledAdmins: Int) {
        id = user.id
        username = user.username
        roleText = user.isAdmin ? "admin" : "member"
        isAdmin = user.isAdmin
        isDisabled = user.isDisabled
        isSelf = user.id == viewer
        isOnlyAdmin = user.isAdmin && !user.isDisabled && enabledAdmins == 1
        createdText = Formatting.date(user.createdAt) + " UTC"
        lastSignInText = user.lastSignInAt.map { Formatting.date($0) + " UTC" } ?? "never"
    }
}

/// A pending invite or reset link in the admin's list.
struct InviteRow: Sendable {
    let id: Int64
    let description: String
    let note: String?
    let expiresText: String
    let createdText: String

    init(_ link: AccountLink) {
        id = link.id
        switch link.kind {
        case .invite:
            let name = link.username.map { "\u{201C}\($0)\u{201D}" } ?? "a name of their choice"
            description = "Invite for \(name), as \(link.role == .admin ? "an admin" : "a member")"
        case .reset:
            description = "Password reset for \u{201C}\(link.username ?? "?")\u{201D}"
        }
        note = link.note
        expiresText = Formatting.date(link.expiresAt) + " UTC"
        createdText = Formatting.date(link.createdAt) + " UTC"
    }
}

/// `/invite/{token}`: choosing a username (unless the invite fixes one) and a password, or a new password.
struct InvitePage: Sendable {
    let title: String
    let chrome: PageChrome
    let isReset: Bool
    let heading: String
    let fixedUsername: String?
    let username: String
    let action: String
    let message: String?
    let minimumLength = PasswordPolicy.minimumLength
}

/// `/settings`: the user's password and API tokens.
struct SettingsPage: Sendable {
    let title = "Settings"
    let chrome: PageChrome
    let username: String
    let tokens: [TokenRow]
    let hasTokens: Bool
    let secret: OneTimeSecret?
    let notice: String?
    let message: String?
    let minimumLength = PasswordPolicy.minimumLength
}

/// One API token on the settings page.
struct TokenRow: Sendable {
    let id: Int64
    let name: String
    let createdText: String
    let lastUsedText: String
    let isActive: Bool
    let revokedText: String?

    init(_ token: APIToken) {
        id = token.id
        name = token.name
        createdText = Formatting.date(token.createdAt) + " UTC"
        lastUsedText = token.lastUsedAt.map { Formatting.date($0) + " UTC" } ?? "never"
        isActive = !token.isRevoked
        revokedText = token.revokedAt.map { Formatting.date($0) + " UTC" }
    }
}
