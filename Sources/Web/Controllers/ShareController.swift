import Cache
import Database
import Foundation
import Hummingbird
import Logging
import NIOCore
import Storage

/// What guests reach through a share link, under `/s/{token}`: the shared album's gallery or the shared photo, the
/// photo pages, the ZIP, guest uploads, the password form, and (for links that may not download) the images.
/// No account is needed, and nothing outside what the link opens is ever shown.
struct ShareController: Sendable {
    typealias Context = WebRequestContext
    let shareLinks: any ShareLinkRepository
    let albums: any AlbumRepository
    let photos: any PhotoRepository
    let store: any MediaStore
    let photoController: PhotoController
    /// Resumable uploads, for guests' large files; nil when they are off.
    let tus: TusController?
    let hasher: PasswordHasher
    let passwordAttempts: ShareLinkPasswordLimits
    let configuration: WebConfiguration
    let renderer: PageRenderer
    let logger: Logger

    func addRoutes(to router: Router<Context>) {
        router.get("/s/{token}", use: show)
        router.get("/s/{token}/photos", use: list)
        router.post("/s/{token}/photos", use: upload)
        router.get("/s/{token}/photos/{id}", use: photo)
        router.get("/s/{token}/download", use: download)
        router.post("/s/{token}/password", use: password)
        router.get("/s/{token}/media/{kind}/{id}", use: media)
        // tus for guests, as the main uploader uses it for files from TUS_THRESHOLD up.
        router.post("/s/{token}/uploads") { request, context in
            try await self.resumable(request, context) { tus, scope in
                try await tus.create(request, context, scope: scope)
            }
        }
        router.head("/s/{token}/uploads/{id}") { request, context in
            try await self.resumable(request, context) { tus, scope in try await tus.head(context, scope: scope) }
        }
        router.patch("/s/{token}/uploads/{id}") { request, context in
            try await self.resumable(request, context) { tus, scope in
                try await tus.patch(request, context, scope: scope)
            }
        }
        router.delete("/s/{token}/uploads/{id}") { request, context in
            try await self.resumable(request, context) { tus, scope in
                try await tus.delete(request, context, scope: scope)
            }
        }
    }

    /// `GET /s/{token}`: the album's read-only gallery (newest taken first, `?after=` for older pages), the drop box
    /// of an upload-only link, or the one shared photo; JSON `{"photos", "next"}` as `GET /photos` gives it.
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        try await show(
            try await open(request, context: context), request: request, context: context, json: request.wantsJSON)
    }

    private func show(_ view: SharedView, request: Request, context: Context, json wantsJSON: Bool) async throws
        -> Response
    {
        // Checked for every kind of link, so a bad cursor is a 400 even where there is only one page.
        _ = try request.photoCursor()
        switch view.link.target {
        case .photo(let id):
            let photo = try await sharedPhoto(id, view: view)
            if wantsJSON {
                return JSONResponse.make(PhotoListJSON(photos: [view.json(photo)], next: nil, includeNext: true))
            }
            return try await photoPage(photo, view: view, context: context)
        case .album(let albumID):
            guard view.link.permissions.view else {
                if wantsJSON {
                    return JSONResponse.make(PhotoListJSON(photos: [], next: nil, includeNext: true))
                }
                return renderer.page(
                    "sharedropbox",
                    ShareDropBoxPage(
                        chrome: SharePageChrome(context), basePath: view.basePath,
                        upload: photoController.uploadForm(albumOptionsHTML: "", fixedAlbumID: nil)))
            }
            let after = try request.photoCursor()
            let query = PhotoPageQuery(after: after, limit: try request.pageLimit(default: configuration.pageSize))
            let (shown, next) = try await photoController.page(.album(albumID), query)
            if wantsJSON {
                return JSONResponse.make(
                    PhotoListJSON(photos: shown.map { view.json($0) }, next: next, includeNext: true))
            }
            guard let album = try await albums.album(id: albumID) else { throw Self.unknown }
            let grid = PhotoGrid(
                cards: shown.map(view.card), next: next, pagePath: view.basePath,
                jsonURL: "\(view.basePath)/photos", limit: query.limit, scopeQuery: "album=\(albumID)")
            return renderer.page(
                "sharealbum",
                ShareAlbumPage(
                    title: album.name, chrome: SharePageChrome(context), basePath: view.basePath,
                    countText: Self.count(try await albums.photoCount(inAlbum: albumID)), grid: grid,
                    canDownload: view.canDownload, canUpload: view.link.permissions.upload,
                    upload: photoController.uploadForm(albumOptionsHTML: "", fixedAlbumID: nil),
                    isFirstPage: after == nil))
        }
    }

    /// `GET /s/{token}/photos` (JSON): a page as `GET /s/{token}` gives it, or the status of `?ids=1,2` (photos of
    /// the album) or `?hashes=…` (a drop box: only what came in through this link, found by the hashes the guest's
    /// own uploads answered with, so ids in sequence reveal nothing).
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let view = try await open(request, context: context)
        let query = request.uri.queryParameters
        // Checked also where a lookup by `hashes` or `ids` does not use it: no parameter is silently dropped.
        _ = try request.photoCursor()
        let ids = try query["ids"].map { try RequestFields.queryIDs($0) }
        let found: [Photo]
        if let text = query["hashes"] {
            let hashes = text.split(separator: ",").map { $0.lowercased() }
            guard hashes.allSatisfy({ MediaKey.isSHA256Hex($0) }) else {
                throw APIError.badRequest("hashes must be SHA-256 hashes (64 hex digits) separated by commas.")
            }
            guard hashes.count <= 200 else { throw APIError.badRequest("Ask for at most 200 hashes at once.") }
            switch view.link.target {
            case .album(let albumID):
                found = try await shareLinks.photos(
                    hashes: hashes, inAlbum: albumID, addedByLink: view.link.permissions.view ? nil : view.link.id)
            case .photo(let id):
                found = try await photos.photos(ids: [id]).filter { hashes.contains($0.hash) && $0.trashedAt == nil }
            }
            return JSONResponse.make(
                PhotoListJSON(photos: found.map { view.json($0, revealHash: true) }, next: nil, includeNext: true))
        }
        if let ids {
            guard view.link.permissions.view else { throw Self.uploadOnly }
            switch view.link.target {
            case .album(let albumID): found = try await shareLinks.photos(ids: ids, inAlbum: albumID)
            case .photo(let id):
                found = ids.contains(id) ? try await photos.photos(ids: [id]).filter { $0.trashedAt == nil } : []
            }
            return JSONResponse.make(
                PhotoListJSON(
                    photos: found.sorted { $0.id > $1.id }.map { view.json($0) }, next: nil, includeNext: true))
        }
        return try await show(view, request: request, context: context, json: true)
    }

    /// `GET /s/{token}/photos/{id}`: a photo of the shared album (or the shared photo), with newer and older
    /// within the album; JSON as `GET /photos/{id}`.
    @Sendable func photo(_ request: Request, context: Context) async throws -> Response {
        let view = try await open(request, context: context)
        let id = try context.routeID(naming: "photo")
        let photo = try await sharedPhoto(id, view: view)
        if request.wantsJSON { return JSONResponse.make(view.json(photo)) }
        return try await photoPage(photo, view: view, context: context)
    }

    /// `POST /s/{token}/photos`: a guest's upload into the shared album, as `POST /photos` takes and answers it.
    @Sendable func upload(_ request: Request, context: Context) async throws -> Response {
        let view = try await open(request, context: context)
        guard case .album(let albumID) = view.link.target, view.link.permissions.upload else {
            throw APIError(.forbidden, "forbidden", "This link does not take uploads.")
        }
        let response = try await photoController.guestUpload(
            request, context: context, guest: GuestUpload(albumID: albumID, linkID: view.link.id, view: view))
        context.logger.info("guest upload", metadata: ["share.id": "\(view.link.id)", "album.id": "\(albumID)"])
        return response
    }

    /// A guest's tus request: the link must take uploads (checked on every request, so revoking it stops an upload
    /// halfway); then it reaches only this link's uploads, which go into its album.
    private func resumable(
        _ request: Request, _ context: Context,
        _ handler: @Sendable (TusController, TusController.Scope) async throws -> Response
    ) async throws -> Response {
        guard let tus else { throw APIError.notFound("Resumable uploads are off on this server.") }
        return try await tus.answer(request) {
            let view = try await open(request, context: context)
            guard case .album(let albumID) = view.link.target, view.link.permissions.upload else {
                throw APIError(.forbidden, "forbidden", "This link does not take uploads.")
            }
            return try await handler(
                tus, .guest(GuestUpload(albumID: albumID, linkID: view.link.id, view: view)))
        }
    }

    /// `GET /s/{token}/download`: the album's (or the photo's) originals as a streamed ZIP; 403 unless the link
    /// allows downloads.
    @Sendable func download(_ request: Request, context: Context) async throws -> Response {
        let view = try await open(request, context: context)
        guard view.canDownload, view.link.permissions.view else {
            throw APIError(.forbidden, "forbidden", "This link does not allow downloads.")
        }
        let name: String
        let members: [Photo]
        switch view.link.target {
        case .album(let albumID):
            guard let album = try await albums.album(id: albumID) else { throw Self.unknown }
            name = album.name
            members = try await albums.allPhotos(inAlbum: albumID)
        case .photo(let id):
            let photo = try await sharedPhoto(id, view: view)
            name = (photo.originalName as NSString).deletingPathExtension
            members = [photo]
        }
        let archive = AlbumArchive(photos: members, store: store, logger: logger)
        let headers: HTTPFields = [
            .contentType: "application/zip", .contentDisposition: AlbumController.attachment(name + ".zip"),
            .cacheControl: "no-store",
        ]
        return Response(status: .ok, headers: headers, body: archive.body)
    }

    /// `POST /s/{token}/password` with `password`: the right one sets the link's cookie and goes back to the link;
    /// every attempt counts against a limit per link and per client, so guessing stops long before it could work.
    @Sendable func password(_ request: Request, context: Context) async throws -> Response {
        let token = try Self.token(context)
        let link = try await findLink(token)
        let fields = try await RequestFields.read(request, accepting: ["password": .text])
        guard let submitted = fields["password"], !submitted.isEmpty else {
            throw APIError.badRequest("Send the link's password (field \u{201C}password\u{201D}).")
        }
        guard let passwordHash = link.passwordHash else {
            // Nothing to open: the link has no password.
            return request.wantsJSON ? Response(status: .noContent) : JSONResponse.seeOther("/s/\(token)")
        }
        if let retryAfter = await passwordAttempts.admit(link: link.id, client: clientKey(request, context: context)) {
            context.logger.notice("share password rate limited", metadata: ["share.id": "\(link.id)"])
            var error = APIError(
                .tooManyRequests, "rate_limited",
                "Too many password attempts for this link. Try again in \(retryAfter / 60 + 1) minutes.")
            error.retryAfter = retryAfter
            throw error
        }
        guard try await hasher.verify(submitted, hash: passwordHash) else {
            context.logger.notice("share password wrong", metadata: ["share.id": "\(link.id)"])
            if request.wantsJSON {
                throw APIError(.unauthorized, "wrong_password", "That is not the password of this link.")
            }
            return passwordPage(token: token, context: context, wrong: true)
        }
        let cookie = ShareCookie.issue(
            token: token, passwordHash: passwordHash, expiresAt: link.expiresAt, request: request)
        var response = request.wantsJSON ? Response(status: .noContent) : JSONResponse.seeOther("/s/\(token)")
        response.setCookie(cookie)
        return response
    }

    /// `GET /s/{token}/media/{display|thumbnail}/{id}`: a shared photo's image, for links that may not download,
    /// whose pages therefore carry no hash-named URL.
    @Sendable func media(_ request: Request, context: Context) async throws -> Response {
        let view = try await open(request, context: context)
        let id = try context.routeID(naming: "photo")
        let kind: MediaKey.Kind
        switch context.parameters.get("kind") {
        case "display": kind = .display
        case "thumbnail": kind = .thumbnail
        default: throw APIError.notFound()
        }
        let photo = try await sharedPhoto(id, view: view)
        guard photo.status == .ready, let derivative = kind == .display ? photo.display : photo.thumbnail else {
            throw APIError.notFound("This image is not ready yet.")
        }
        let key = MediaKey(kind: kind, hash: photo.hash, fileExtension: derivative.fileExtension)
        // Derivatives are small (a display image is a few hundred kB): read whole, not streamed.
        let bytes = try await store.withLocalFile(key) { path -> [UInt8] in
            guard let data = FileManager.default.contents(atPath: path) else { throw APIError.notFound() }
            return Array(data)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: derivative.fileExtension == "png" ? "image/png" : "image/jpeg",
                // Private: the link may be revoked, and shared caches must not keep what it showed.
                .cacheControl: "private, max-age=3600",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: - Opening a link

    /// The link of the route's token, usable by this request: 404 when sharing is off or the token is unknown,
    /// 410 when it expired or was revoked, 401 with the password form until its password was given.
    private func open(_ request: Request, context: Context) async throws -> SharedView {
        let token = try Self.token(context)
        let link = try await findLink(token)
        if let passwordHash = link.passwordHash,
            !ShareCookie.isValid(request, token: token, passwordHash: passwordHash)
        {
            if request.wantsHTML, request.method == .get {
                throw PasswordRequired(response: passwordPage(token: token, context: context, wrong: false))
            }
            throw APIError(
                .unauthorized, "password_required",
                "This link has a password: POST it to /s/{token}/password as the field password.")
        }
        return SharedView(link: link, token: token, store: store)
    }

    /// The active link whose token hashes to the stored hash, compared in constant time.
    private func findLink(_ token: String) async throws -> ShareLink {
        guard configuration.sharing.enabled, SecretToken.isWellFormed(token, api: false) else { throw Self.unknown }
        let digest = SecretToken.digest(token)
        guard let link = try await shareLinks.link(tokenHash: digest),
            SecretToken.constantTimeEqual(link.tokenHash, digest)
        else { throw Self.unknown }
        switch link.state(at: Date()) {
        case .active: return link
        case .expired: throw APIError(.gone, "gone", "This link has expired. Ask the person who sent it for a new one.")
        case .revoked: throw APIError(.gone, "gone", "This link has been turned off by the person who shared it.")
        }
    }

    /// A photo this link shows: the shared photo itself, or a member of the shared album (never anything else).
    private func sharedPhoto(_ id: Int64, view: SharedView) async throws -> Photo {
        switch view.link.target {
        case .photo(let shared):
            // A shared photo in the trash is not shown: the link answers as if it pointed nowhere until a restore.
            guard id == shared, let photo = try await photos.photo(id: id), photo.trashedAt == nil else {
                throw Self.unknown
            }
            return photo
        case .album(let albumID):
            guard view.link.permissions.view else { throw Self.uploadOnly }
            guard let photo = try await shareLinks.photos(ids: [id], inAlbum: albumID).first else {
                throw APIError.notFound("There is no such photo in this album.")
            }
            return photo
        }
    }

    private func photoPage(_ photo: Photo, view: SharedView, context: Context) async throws -> Response {
        var newer: String?
        var older: String?
        var backURL: String?
        if case .album(let albumID) = view.link.target {
            let neighbours = try await albums.neighbours(of: photo, in: .album(albumID))
            newer = neighbours.newer.map { "\(view.basePath)/photos/\($0)" }
            older = neighbours.older.map { "\(view.basePath)/photos/\($0)" }
            backURL = view.basePath
        }
        let card = view.card(photo)
        return renderer.page(
            "sharephoto",
            SharePhotoPage(
                title: photo.originalName, chrome: SharePageChrome(context), photo: card,
                pendingIDs: card.isPending ? String(photo.id) : "", newerURL: newer, olderURL: older,
                backURL: backURL, canDownload: view.canDownload, downloadURL: "\(view.basePath)/download"))
    }

    private func passwordPage(token: String, context: Context, wrong: Bool) -> Response {
        renderer.page(
            "sharepassword",
            SharePasswordPage(chrome: SharePageChrome(context), action: "/s/\(token)/password", isWrong: wrong),
            status: .unauthorized)
    }

    private func clientKey(_ request: Request, context: Context) -> String {
        configuration.trustedProxies.clientAddress(
            peer: context.peerAddress, forwardedFor: request.headers[values: RateLimitMiddleware.forwardedFor])
    }

    private static func token(_ context: Context) throws -> String {
        guard let token = context.parameters.get("token") else { throw unknown }
        return token
    }

    static func count(_ count: Int) -> String { count == 1 ? "1 photo" : "\(count) photos" }

    static let unknown = APIError.notFound("There is no such link. Check that it was copied whole.")
    static let uploadOnly = APIError(
        .forbidden, "forbidden", "This link only takes uploads; it shows no photos.")
}

/// Thrown to answer a page request with the link's password form (the form is the answer, not an error).
struct PasswordRequired: Error, Sendable {
    let response: Response
}

/// The limits on share-link passwords: attempts per link and per client in a window, counted in the cache.
struct ShareLinkPasswordLimits: Sendable {
    let perLink: RateLimiter
    let perClient: RateLimiter

    init(cache: any Cache, perLink: Int = 10, perClient: Int = 20, window: Duration = .seconds(900)) {
        self.perLink = RateLimiter(cache: cache, limit: perLink, window: window, name: "share-password-link")
        self.perClient = RateLimiter(cache: cache, limit: perClient, window: window, name: "share-password-client")
    }

    /// Counts one attempt; the seconds to wait when either limit is reached, else nil.
    func admit(link: Int64, client: String) async -> Int? {
        for decision in [await perLink.admit("link:\(link)"), await perClient.admit("ip:\(client)")] {
            if case .limited(let retryAfter) = decision { return retryAfter }
        }
        return nil
    }
}
