import Database
import Foundation

/// An account as admins see it in JSON: `{"id", "username", "role", "disabled", "disabled_at", "created_at",
/// "last_sign_in_at"}`.
struct AccountJSON: Encodable, Sendable {
    let user: User

    enum CodingKeys: String, CodingKey {
        case id, username, role, disabled
        case disabledAt = "disabled_at"
        case createdAt = "created_at"
        case lastSignInAt = "last_sign_in_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(user.id, forKey: .id)
        try container.encode(user.username, forKey: .username)
        try container.encode(user.role.rawValue, forKey: .role)
        try container.encode(user.isDisabled, forKey: .disabled)
        try container.encode(user.disabledAt.map(Timestamp.iso8601), forKey: .disabledAt)
        try container.encode(Timestamp.iso8601(user.createdAt), forKey: .createdAt)
        try container.encode(user.lastSignInAt.map(Timestamp.iso8601), forKey: .lastSignInAt)
    }
}

/// An invite or reset link in JSON: `{"id", "kind", "username", "role", "note", "state", "expires_at",
/// "created_at"}`, plus `url` and `token` only in the answer that made it (nothing else knows the token). The note is
/// the admin's: the link's holder sees it as null.
struct AccountLinkJSON: Encodable, Sendable {
    let link: AccountLink
    let now: Date
    var token: String? = nil
    var url: String? = nil
    var showsNote = true

    enum CodingKeys: String, CodingKey {
        case id, kind, username, role, note, state, url, token
        case expiresAt = "expires_at"
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(link.id, forKey: .id)
        try container.encode(link.kind.rawValue, forKey: .kind)
        try container.encode(link.username, forKey: .username)
        try container.encode(link.role.rawValue, forKey: .role)
        try container.encode(showsNote ? link.note : nil, forKey: .note)
        try container.encode(link.state(at: now).rawValue, forKey: .state)
        try container.encode(Timestamp.iso8601(link.expiresAt), forKey: .expiresAt)
        try container.encode(Timestamp.iso8601(link.createdAt), forKey: .createdAt)
        if let token, let url {
            try container.encode(url, forKey: .url)
            try container.encode(token, forKey: .token)
        }
    }
}

/// One of a user's API tokens in JSON: `{"id", "name", "state", "created_at", "last_used_at", "revoked_at"}`, plus
/// `token` (the secret) only in the answer that made it.
struct APITokenJSON: Encodable, Sendable {
    let token: APIToken
    var secret: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, name, state
        case secret = "token"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(token.id, forKey: .id)
        try container.encode(token.name, forKey: .name)
        try container.encode(token.isRevoked ? "revoked" : "active", forKey: .state)
        try container.encode(Timestamp.iso8601(token.createdAt), forKey: .createdAt)
        try container.encode(token.lastUsedAt.map(Timestamp.iso8601), forKey: .lastUsedAt)
        try container.encode(token.revokedAt.map(Timestamp.iso8601), forKey: .revokedAt)
        if let secret { try container.encode(secret, forKey: .secret) }
    }
}
