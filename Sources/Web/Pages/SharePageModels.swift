import Database
import Foundation

/// What a share link's pages need of the layout: only the CSRF token (for the password form and uploads). No
/// navigation, no account name: a guest sees nothing of the rest of the site.
struct SharePageChrome: Sendable {
    let csrfToken: String

    init(_ context: WebRequestContext) {
        csrfToken = context.csrfToken
    }
}

/// A shared album's gallery.
struct ShareAlbumPage: Sendable {
    let title: String
    let chrome: SharePageChrome
    let basePath: String
    let countText: String
    let grid: PhotoGrid
    let canDownload: Bool
    let canUpload: Bool
    let upload: UploadFormModel
    let isFirstPage: Bool
}

/// An upload-only link: the uploader and, as the script adds them, this visit's own uploads.
struct ShareDropBoxPage: Sendable {
    let title = "Send photos"
    let chrome: SharePageChrome
    let basePath: String
    let upload: UploadFormModel
}

/// A shared photo's page (the photo of a photo link, or one of a shared album).
struct SharePhotoPage: Sendable {
    let title: String
    let chrome: SharePageChrome
    let photo: PhotoCard
    let pendingIDs: String
    let newerURL: String?
    let olderURL: String?
    /// The album's gallery, for a photo of an album link.
    let backURL: String?
    let canDownload: Bool
    let downloadURL: String
}

/// The password form of a link with a password.
struct SharePasswordPage: Sendable {
    let title = "Password needed"
    let chrome: SharePageChrome
    let action: String
    let isWrong: Bool
}

/// The page a share form's post answers with: the new link's URL, shown this once.
struct LinkCreatedPage: Sendable {
    let title = "Link created"
    let chrome: PageChrome
    let url: String
    let expiresText: String
    let hasPassword: Bool
    let backURL: String
}

/// The owner's links.
struct LinksPage: Sendable {
    let title = "Share links"
    let chrome: PageChrome
    let links: [LinkRow]
    let hasLinks: Bool
}

/// One link on the links page: what it shares, until when, what guests may do, and what they uploaded.
struct LinkRow: Sendable {
    let id: Int64
    let targetText: String
    let targetURL: String?
    let createdText: String
    let expiresText: String
    let stateText: String
    let isActive: Bool
    let hasPassword: Bool
    let permissionsText: String
    let albumID: Int64?
    let guestUploadText: String?
    let guestUploads: [PhotoCard]

    init(_ summary: ShareLinkSummary, guestUploads: [PhotoCard], now: Date) {
        let link = summary.link
        id = link.id
        switch link.target {
        case .album(let albumID):
            targetText = "Album " + (summary.targetName.map { "\u{201C}\($0)\u{201D}" } ?? "(deleted)")
            targetURL = "/albums/\(albumID)"
            self.albumID = albumID
        case .photo(let photoID):
            targetText = "Photo " + (summary.targetName ?? "(deleted)")
            targetURL = "/photos/\(photoID)"
            albumID = nil
        }
        createdText = Formatting.date(link.createdAt) + " UTC"
        expiresText = link.expiresAt.map { Formatting.date($0) + " UTC" } ?? "never"
        let state = link.state(at: now)
        isActive = state == .active
        stateText =
            switch state {
            case .active: "active"
            case .expired: "expired"
            case .revoked: "revoked"
            }
        hasPassword = link.passwordHash != nil
        var can: [String] = []
        if link.permissions.view { can.append("view") }
        if link.permissions.view, link.permissions.download { can.append("download") }
        if link.permissions.upload { can.append(link.permissions.view ? "upload" : "upload only (drop box)") }
        permissionsText = can.joined(separator: ", ")
        let count = summary.guestUploadCount
        guestUploadText =
            count == 0 ? nil : count == 1 ? "1 photo uploaded by guests" : "\(count) photos uploaded by guests"
        self.guestUploads = guestUploads
    }
}

/// The "Share" control of an album or photo page: where it posts and the expiry it starts with.
struct ShareFormModel: Sendable {
    let action: String
    let isAlbum: Bool
    /// The `SHARE_LINK_DEFAULT_EXPIRY` as a person reads it ("30 days"), or nil for never.
    let defaultExpiryText: String

    init(action: String, isAlbum: Bool, defaultExpiry: Duration?) {
        self.action = action
        self.isAlbum = isAlbum
        defaultExpiryText = defaultExpiry.map { Self.describe($0) } ?? "never"
    }

    static func describe(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        for (unit, size) in [("week", Int64(604_800)), ("day", 86_400), ("hour", 3600), ("minute", 60)]
        where seconds >= size && seconds % size == 0 {
            let count = seconds / size
            return "in \(count) \(unit)\(count == 1 ? "" : "s")"
        }
        return "in \(seconds) seconds"
    }
}
