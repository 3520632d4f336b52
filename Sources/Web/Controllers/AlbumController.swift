import Database
import Foundation
import Hummingbird
import Logging
import Storage

/// Albums: the list, creating and renaming, an album's page, and its originals as a streamed ZIP.
struct AlbumController: Sendable {
    typealias Context = WebRequestContext
    let albums: any AlbumRepository
    let store: any MediaStore
    let logger: Logger
    let configuration: WebConfiguration
    let renderer: PageRenderer
    let photoController: PhotoController

    func addRoutes(to router: Router<Context>) {
        router.get("/albums", use: index)
        router.post("/albums", use: create)
        router.get("/albums/{id}", use: show)
        router.patch("/albums/{id}", use: rename)
        router.post("/albums/{id}/rename", use: rename)
        router.get("/albums/{id}/download", use: download)
    }

    /// `GET /albums`: every album with four previews and its count; JSON `{"albums": [...]}` when asked.
    @Sendable func index(_ request: Request, context: Context) async throws -> Response {
        let summaries = try await albums.albumSummaries()
        if request.wantsJSON {
            return JSONResponse.make(["albums": summaries.map { AlbumJSON($0, store: store) }])
        }
        let cards = summaries.map { AlbumCard($0, store: store) }
        return renderer.page(
            "albums",
            AlbumsPage(chrome: PageChrome(context, section: .albums), albums: cards, hasAlbums: !cards.isEmpty))
    }

    /// `POST /albums` with `name`: 201 with the album's JSON, or 303 to its page from a form.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let name = try RequestFields.albumName(try await RequestFields.read(request))
        let album = try await albums.createAlbum(name: name)
        context.logger.info("album created", metadata: ["album.id": "\(album.id)"])
        if request.wantsJSON { return JSONResponse.make(AlbumJSON(album), status: .created) }
        return JSONResponse.seeOther("/albums/\(album.id)")
    }

    /// `GET /albums/{id}`: the album's grid with its own drop zone; JSON `{"album", "photos", "next"}` when asked.
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let album = try await findAlbum(context)
        let after = try request.photoCursor()
        if request.wantsJSON {
            let (shown, next) = try await photoController.page(
                .album(album.id), after: after, limit: configuration.pageSize)
            return JSONResponse.make(
                AlbumPageJSON(album: AlbumJSON(album), photos: shown.map { PhotoJSON($0, store: store) }, next: next))
        }
        let grid = try await photoController.gridPage(
            .album(album.id), after: after, basePath: "/albums/\(album.id)", scopeQuery: "album=\(album.id)")
        let count = try await albums.photoCount(inAlbum: album.id)
        return renderer.page(
            "album",
            AlbumPage(
                title: album.name, chrome: PageChrome(context, section: .albums),
                album: AlbumCard(album, count: count), grid: grid,
                upload: photoController.uploadForm(albumOptionsHTML: "", fixedAlbumID: album.id),
                isFirstPage: after == nil))
    }

    /// `PATCH /albums/{id}` or `POST /albums/{id}/rename` with `name`.
    @Sendable func rename(_ request: Request, context: Context) async throws -> Response {
        let id = try context.routeID(naming: "album")
        let name = try RequestFields.albumName(try await RequestFields.read(request))
        guard let album = try await albums.renameAlbum(id: id, name: name) else {
            throw APIError.notFound("There is no album \(id).")
        }
        if request.wantsJSON { return JSONResponse.make(AlbumJSON(album)) }
        return JSONResponse.seeOther("/albums/\(album.id)")
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

/// `{"album": album, "photos": [photo, …], "next": cursor or null}`.
struct AlbumPageJSON: Encodable, Sendable {
    let album: AlbumJSON
    let photos: [PhotoJSON]
    @Null var next: Int64?
}
