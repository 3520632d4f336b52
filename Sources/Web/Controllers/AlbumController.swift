import Database
import Foundation
import Hummingbird
import Logging
import Storage

/// Albums: the list, creating, renaming, covers and deleting, their members, an album's page, and its originals as
/// a streamed ZIP. An album is a view: removing a photo from it, or deleting it, never deletes a photo.
struct AlbumController: Sendable {
    typealias Context = WebRequestContext
    let albums: any AlbumRepository
    let photos: any PhotoRepository
    let store: any MediaStore
    let logger: Logger
    let configuration: WebConfiguration
    let renderer: PageRenderer
    let photoController: PhotoController

    func addRoutes(to router: Router<Context>) {
        router.get("/albums", use: index)
        router.post("/albums", use: create)
        router.get("/albums/{id}", use: show)
        router.patch("/albums/{id}", use: update)
        router.post("/albums/{id}/rename", use: update)
        router.post("/albums/{id}/cover", use: update)
        router.delete("/albums/{id}", use: delete)
        router.post("/albums/{id}/delete", use: delete)
        router.post("/albums/{id}/photos", use: addPhotos)
        router.delete("/albums/{id}/photos", use: removePhotos)
        router.post("/albums/{id}/photos/remove", use: removePhotos)
        router.get("/albums/{id}/download", use: download)
    }

    /// `GET /albums`: the albums, newest first, a page at a time (`?after=ID`), each with four previews and its
    /// count; JSON `{"albums": [...], "next": cursor or null}` when asked.
    @Sendable func index(_ request: Request, context: Context) async throws -> Response {
        let after = try request.photoCursor(naming: "an album id")
        let page = try await albums.albumSummaries(before: after, limit: configuration.pageSize + 1)
        let summaries = Array(page.prefix(configuration.pageSize))
        let next = page.count > configuration.pageSize ? summaries.last?.album.id : nil
        if request.wantsJSON {
            return JSONResponse.make(AlbumListJSON(albums: summaries.map { AlbumJSON($0, store: store) }, next: next))
        }
        let cards = summaries.map { AlbumCard($0, store: store) }
        return renderer.page(
            "albums",
            AlbumsPage(
                chrome: PageChrome(context, section: .albums), albums: cards, hasAlbums: !cards.isEmpty,
                nextURL: next.map { "/albums?after=\($0)" }))
    }

    /// `POST /albums` with `name`: 201 with the album's JSON, or 303 to its page from a form.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let name = try RequestFields.albumName(try await RequestFields.read(request, accepting: ["name": .text]))
        let album = try await albums.createAlbum(name: name)
        context.logger.info("album created", metadata: ["album.id": "\(album.id)"])
        if request.wantsJSON { return JSONResponse.make(AlbumJSON(album), status: .created) }
        return JSONResponse.seeOther("/albums/\(album.id)")
    }

    /// `GET /albums/{id}`: the album's grid with its own drop zone; JSON `{"album", "photos", "next"}` when asked.
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let album = try await findAlbum(context)
        let after = try request.photoCursor()
        let query = PhotoPageQuery(after: after, limit: configuration.pageSize)
        if request.wantsJSON {
            let (shown, next) = try await photoController.page(.album(album.id), query)
            return JSONResponse.make(
                AlbumPageJSON(album: AlbumJSON(album), photos: shown.map { PhotoJSON($0, store: store) }, next: next))
        }
        // Cached like the gallery's grid (every change bumps the same generation).
        let controller = photoController
        let gridHTML = try await photoController.gallery.fragment(
            "album:\(album.id):\(after.map(String.init) ?? "first")"
        ) {
            let grid = try await controller.gridPage(
                .album(album.id), query, basePath: "/albums/\(album.id)", scopeQuery: "album=\(album.id)")
            return controller.renderer.render("albumgrid", GalleryGridFragment(grid: grid, isFirstPage: after == nil))
        }
        let count = try await albums.photoCount(inAlbum: album.id)
        return renderer.page(
            "album",
            AlbumPage(
                title: album.name, chrome: PageChrome(context, section: .albums),
                album: AlbumCard(album, count: count), gridHTML: gridHTML,
                upload: photoController.uploadForm(albumOptionsHTML: "", fixedAlbumID: album.id),
                isFirstPage: after == nil,
                share: photoController.shareForm(action: "/albums/\(album.id)/links", isAlbum: true)))
    }

    /// `PATCH /albums/{id}` with `name` and/or `cover` (a photo of the album; empty or null for none), or the page's
    /// `POST /albums/{id}/rename` and `POST /albums/{id}/cover`.
    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let id = try context.routeID(naming: "album")
        let fields = try await RequestFields.read(request, accepting: ["name": .text, "cover": .number])
        guard fields["name"] != nil || fields["cover"] != nil else {
            throw APIError.badRequest("Send a new name or cover.")
        }
        let name = try fields["name"].map { _ in try RequestFields.albumName(fields) }
        let cover = try fields["cover"].map { text -> Int64? in
            guard !text.isEmpty else { return nil }
            guard let photoID = Int64(text), photoID > 0 else {
                throw APIError.badRequest("cover must be the id of a photo in the album, or empty for none.")
            }
            return photoID
        }
        guard var album = try await albums.album(id: id) else { throw APIError.notFound("There is no album \(id).") }
        if let cover {
            guard let changed = try await albums.setCover(albumID: id, photoID: cover) else {
                throw APIError(.conflict, "not_in_album", "Photo \(cover ?? 0) is not in this album; add it first.")
            }
            album = changed
        }
        if let name {
            guard let renamed = try await albums.renameAlbum(id: id, name: name) else {
                throw APIError.notFound("There is no album \(id).")
            }
            album = renamed
        }
        if request.wantsJSON || request.method == .patch { return JSONResponse.make(AlbumJSON(album)) }
        return JSONResponse.seeOther("/albums/\(album.id)")
    }

    /// `DELETE /albums/{id}` (204) or the page's `POST /albums/{id}/delete`: the album goes, its photos stay.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try context.routeID(naming: "album")
        guard try await albums.deleteAlbum(id: id) else { throw APIError.notFound("There is no album \(id).") }
        context.logger.info("album deleted", metadata: ["album.id": "\(id)"])
        if request.method == .delete { return Response(status: .noContent) }
        if request.wantsJSON { return JSONResponse.make(["deleted": id]) }
        return JSONResponse.seeOther("/albums")
    }

    /// `POST /albums/{id}/photos` with `{"photos": [ids]}` (or the form field `photos`, `1,2,3`): adds them.
    /// Answers `{"album", "added": [ids], "missing": [ids]}`: those newly in it, and those that are no photo.
    @Sendable func addPhotos(_ request: Request, context: Context) async throws -> Response {
        try await changeMembers(request, context: context, adding: true)
    }

    /// `DELETE /albums/{id}/photos` with `{"photos": [ids]}` (or the page's `POST /albums/{id}/photos/remove`):
    /// takes them out of the album; they stay in the gallery. Answers `{"album", "removed": [ids]}`.
    @Sendable func removePhotos(_ request: Request, context: Context) async throws -> Response {
        try await changeMembers(request, context: context, adding: false)
    }

    private func changeMembers(_ request: Request, context: Context, adding: Bool) async throws -> Response {
        let id = try context.routeID(naming: "album")
        let ids = try await RequestFields.photoIDs(request)
        let changed =
            adding
            ? try await albums.add(photoIDs: ids, toAlbum: id) : try await albums.remove(photoIDs: ids, fromAlbum: id)
        guard let changed, let album = try await albums.album(id: id) else {
            throw APIError.notFound("There is no album \(id).")
        }
        context.logger.info(
            adding ? "photos added to album" : "photos removed from album",
            metadata: ["album.id": "\(id)", "photos": "\(changed.count)"])
        guard request.wantsJSON else { return JSONResponse.seeOther("/albums/\(id)") }
        if !adding { return JSONResponse.make(AlbumMembersJSON(album: AlbumJSON(album), removed: changed)) }
        let existing = Set(try await photos.photos(ids: ids).map(\.id))
        return JSONResponse.make(
            AlbumMembersJSON(
                album: AlbumJSON(album), added: changed, missing: ids.filter { !existing.contains($0) }))
    }

    /// `GET /albums/{id}/download`: the album's originals as a ZIP, streamed as it is built.
    @Sendable func download(_ request: Request, context: Context) async throws -> Response {
        let album = try await findAlbum(context)
        let photos = try await albums.allPhotos(inAlbum: album.id)
        let archive = AlbumArchive(photos: photos, store: store, logger: logger)
        let headers: HTTPFields = [
            .contentType: "application/zip", .contentDisposition: Self.attachment(album.name + ".zip"),
            .cacheControl: "no-store",
        ]
        return Response(status: .ok, headers: headers, body: archive.body)
    }

    /// `attachment; filename="…"; filename*=UTF-8''…` with an ASCII fallback for old clients.
    static func attachment(_ name: String) -> String {
        let ascii = String(
            name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" }
        )
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "album.zip"
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    private func findAlbum(_ context: Context) async throws -> Album {
        let id = try context.routeID(naming: "album")
        guard let album = try await albums.album(id: id) else { throw APIError.notFound("There is no album \(id).") }
        return album
    }
}

/// `{"albums": [album, …], "next": cursor or null}`.
struct AlbumListJSON: Encodable, Sendable {
    let albums: [AlbumJSON]
    @Null var next: Int64?
}

/// `{"album", "added", "missing"}` or `{"album", "removed"}`: what a change of members did, per id.
struct AlbumMembersJSON: Encodable, Sendable {
    let album: AlbumJSON
    var added: [Int64]? = nil
    var missing: [Int64]? = nil
    var removed: [Int64]? = nil
}

/// `{"album": album, "photos": [photo, …], "next": cursor or null}`.
struct AlbumPageJSON: Encodable, Sendable {
    let album: AlbumJSON
    let photos: [PhotoJSON]
    @Null var next: Int64?
}
