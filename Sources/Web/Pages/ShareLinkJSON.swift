import Database
import Foundation

/// A share link in JSON: `{"id", "url", "token", "expires_at", "has_password", "allow_download", "allow_upload",
/// "allow_view", "album", "photo", "created_at", "revoked_at", "state"}`. `url` and `token` only in the answer that
/// made the link (nothing else knows the token); the owner's list adds `name` and `guest_uploads`.
struct ShareLinkJSON: Encodable, Sendable {
    let link: ShareLink
    let token: String?
    let url: String?
    let name: String?
    let guestUploads: Int?

    init(_ link: ShareLink, token: String, url: String) {
        self.link = link
        self.token = token
        self.url = url
        name = nil
        guestUploads = nil
    }

    init(_ summary: ShareLinkSummary) {
        link = summary.link
        token = nil
        url = nil
        name = summary.targetName
        guestUploads = summary.guestUploadCount
    }

    enum CodingKeys: String, CodingKey {
        case id, url, token, album, photo, state, name
        case expiresAt = "expires_at"
        case hasPassword = "has_password"
        case allowDownload = "allow_download"
        case allowUpload = "allow_upload"
        case allowView = "allow_view"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
        case guestUploads = "guest_uploads"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(link.id, forKey: .id)
        if let token, let url {
            try container.encode(url, forKey: .url)
            try container.encode(token, forKey: .token)
        }
        try container.encode(link.expiresAt.map(Timestamp.iso8601), forKey: .expiresAt)
        try container.encode(link.passwordHash != nil, forKey: .hasPassword)
        try container.encode(link.permissions.download, forKey: .allowDownload)
        try container.encode(link.permissions.upload, forKey: .allowUpload)
        try container.encode(link.permissions.view, forKey: .allowView)
        try container.encode(link.target.albumID, forKey: .album)
        try container.encode(link.target.photoID, forKey: .photo)
        try container.encode(Timestamp.iso8601(link.createdAt), forKey: .createdAt)
        try container.encode(link.revokedAt.map(Timestamp.iso8601), forKey: .revokedAt)
        try container.encode(link.state(at: Date()).rawValue, forKey: .state)
        if let guestUploads {
            try container.encode(name, forKey: .name)
            try container.encode(guestUploads, forKey: .guestUploads)
        }
    }
}
