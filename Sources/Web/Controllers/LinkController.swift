import Database
import Foundation
import Hummingbird
import Logging
import Storage

/// The owner's side of share links: making one for an album or a photo, listing one's links (with what guests
/// uploaded through them) and revoking them. The token is shown once, in the answer that makes it; only its
/// SHA-256 is stored.
struct LinkController: Sendable {
    typealias Context = WebRequestContext
    let shareLinks: any ShareLinkRepository
    let albums: any AlbumRepository
    let photos: any PhotoRepository
    let store: any MediaStore
    let hasher: PasswordHasher
    let configuration: WebConfiguration
    let renderer: PageRenderer

    /// How many of a link's guest uploads the links page shows.
    static let guestUploadsShown = 24

    func addRoutes(to router: Router<Context>) {
        router.post("/albums/{id}/links", use: createForAlbum)
        router.post("/photos/{id}/links", use: createForPhoto)
        router.get("/links", use: index)
        router.delete("/links/{id}", use: revoke)
        router.post("/links/{id}/revoke", use: revoke)
    }

    /// `POST /albums/{id}/links`: a link to the album (`allow_upload` and drop boxes only here).
    @Sendable func createForAlbum(_ request: Request, context: Context) async throws -> Response {
        try await create(request, context: context, target: .album(try context.routeID(naming: "album")))
    }

    /// `POST /photos/{id}/links`: a link to one photo.
    @Sendable func createForPhoto(_ request: Request, context: Context) async throws -> Response {
        try await create(request, context: context, target: .photo(try context.routeID(naming: "photo")))
    }

    private func create(_ request: Request, context: Context, target: ShareTarget) async throws -> Response {
        try requireSharing(context)
        let fields = try await RequestFields.read(request, accepting: ShareLinkRequest.fieldNames)
        let options = try ShareLinkRequest(
            fields, target: target, defaultExpiry: configuration.sharing.defaultExpiry, now: Date())
        let token = SecretToken.newShareToken()
        var passwordHash: String?
        if let password = options.password { passwordHash = try await hasher.hash(password) }
        guard
            let link = try await shareLinks.create(
                NewShareLink(
                    tokenHash: SecretToken.digest(token), target: target, ownerID: context.user?.id,
                    passwordHash: passwordHash, permissions: options.permissions, expiresAt: options.expiresAt))
        else {
            switch target {
            case .album(let id): throw APIError.notFound("There is no album \(id).")
            case .photo(let id): throw APIError.notFound("There is no photo \(id).")
            }
        }
        context.logger.info("share link created", metadata: ["share.id": "\(link.id)"])
        let url = Self.absoluteURL(request, path: "/s/\(token)")
        if request.wantsJSON {
            return JSONResponse.make(["link": ShareLinkJSON(link, token: token, url: url)], status: .created)
        }
        return renderer.page(
            "linkcreated",
            LinkCreatedPage(
                chrome: PageChrome(context, section: .other), url: url,
                expiresText: link.expiresAt.map { Formatting.date($0) + " UTC" } ?? "never",
                hasPassword: link.passwordHash != nil,
                backURL: target.albumID.map { "/albums/\($0)" } ?? target.photoID.map { "/photos/\($0)" } ?? "/"),
            status: .created)
    }

    /// `GET /links`: the signed-in user's links (every link on a server without sign-in), newest first: what each
    /// shares, its expiry and state, and what guests uploaded through it; a page or `{"links": [...]}`.
    @Sendable func index(_ request: Request, context: Context) async throws -> Response {
        try requireSharing(context)
        let summaries = try await shareLinks.links(ownerID: context.user?.id)
        if request.wantsJSON { return JSONResponse.make(["links": summaries.map(ShareLinkJSON.init)]) }
        let now = Date()
        var rows: [LinkRow] = []
        for summary in summaries {
            let uploads =
                summary.guestUploadCount > 0
                ? try await shareLinks.guestUploads(linkID: summary.link.id, limit: Self.guestUploadsShown) : []
            rows.append(LinkRow(summary, guestUploads: uploads.map { PhotoCard($0, store: store) }, now: now))
        }
        return renderer.page(
            "links", LinksPage(chrome: PageChrome(context, section: .other), links: rows, hasLinks: !rows.isEmpty))
    }

    /// `DELETE /links/{id}` (204) or the page's `POST /links/{id}/revoke`: the link answers 410 from now on.
    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        try requireSharing(context)
        let id = try context.routeID(naming: "link")
        guard try await shareLinks.revoke(id: id, ownerID: context.user?.id) else {
            throw APIError.notFound("There is no active link \(id) of yours.")
        }
        context.logger.info("share link revoked", metadata: ["share.id": "\(id)"])
        if request.method == .delete { return Response(status: .noContent) }
        if request.wantsJSON { return JSONResponse.make(["revoked": id]) }
        return JSONResponse.seeOther("/links")
    }

    /// Links are made and managed by those who may change things; with `SHARE_LINKS=off` they do not exist.
    private func requireSharing(_ context: Context) throws {
        guard configuration.sharing.enabled else { throw APIError.notFound() }
        guard context.canChange else {
            throw APIError(.unauthorized, "unauthorized", "Sign in to share photos and albums.")
        }
    }

    /// `scheme://host/path` from the request's Host (https behind a TLS proxy); the path alone without a Host.
    static func absoluteURL(_ request: Request, path: String) -> String {
        guard let host = request.head.authority, !host.isEmpty else { return path }
        return (SessionCookie.isTLS(request) ? "https://" : "http://") + host + path
    }
}
