import Database
import Foundation
import Hummingbird
import Imaging
import Ingest
import Logging
import Metrics
import Storage

/// The gallery, photo pages and the photo API (DESIGN §5, §5a).
struct PhotoController: Sendable {
    typealias Context = WebRequestContext

    let photos: any PhotoRepository
    let albums: any AlbumRepository
    let store: any MediaStore
    /// The last steps of every upload.
    let ingest: PhotoIngest
    /// Rendered gallery grids.
    let gallery: GalleryCache
    /// The page sends files from this size up over tus; nil when resumable uploads are off.
    let tusThreshold: Int?
    let configuration: WebConfiguration
    let renderer: PageRenderer
    /// Shared by every upload this process handles (`MAX_CONCURRENT_UPLOADS`).
    var uploadLimiter = UploadLimiter(limit: 64)

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: gallery)
        router.get("/photos", use: list)
        router.post("/photos", use: upload)
        router.get("/photos/{id}", use: show)
        router.delete("/photos/{id}", use: delete)
        router.post("/photos/{id}/delete", use: delete)
        router.post("/photos/{id}/album", use: move)
    }

    /// `GET /`: the photos in no album, newest first, `?after=ID` for older pages; JSON (every photo) when asked.
    @Sendable func gallery(_ request: Request, context: Context) async throws -> Response {
        if request.wantsJSON { return try await list(request, context: context) }
        let after = try request.photoCursor()
        let gridHTML = try await gallery.fragment("unsorted:\(after.map(String.init) ?? "first")") {
            let grid = try await gridPage(.unsorted, after: after, basePath: "/", scopeQuery: "album=none")
            return renderer.render("gallerygrid", GalleryGridFragment(grid: grid, isFirstPage: after == nil))
        }
        // Cached like the grid (album changes bump the same generation): no database query per page view.
        let albumOptionsHTML = try await gallery.fragment("albumoptions") {
            let albums = try await albums.albums().map { AlbumOption(id: $0.id, name: $0.name, isSelected: false) }
            return renderer.render("albumoptions", AlbumOptionsFragment(albums: albums))
        }
        return renderer.page(
            "gallery",
            GalleryPage(
                chrome: PageChrome(context, section: .photos), gridHTML: gridHTML,
                upload: uploadForm(albumOptionsHTML: albumOptionsHTML, fixedAlbumID: nil)))
    }

    /// The upload form of the gallery (an album choice) or of an album page (`fixedAlbumID`).
    func uploadForm(albumOptionsHTML: String, fixedAlbumID: Int64?) -> UploadFormModel {
        UploadFormModel(
            maxUploadText: Formatting.bytes(configuration.maxUploadBytes), albumOptionsHTML: albumOptionsHTML,
            fixedAlbumID: fixedAlbumID, tusThreshold: tusThreshold)
    }

    /// One newest-first page of `scope`: at most `limit` photos, and the next page's cursor when there is one.
    func page(_ scope: PhotoScope, after: Int64?, limit: Int) async throws -> (photos: [Photo], next: Int64?) {
        let page = try await albums.photos(in: scope, before: after, limit: limit + 1)
        let shown = Array(page.prefix(limit))
        return (shown, page.count > limit ? shown.last?.id : nil)
    }

    /// One page of a grid: the cards, and the links to the next page when there is one.
    func gridPage(_ scope: PhotoScope, after: Int64?, basePath: String, scopeQuery: String) async throws -> PhotoGrid {
        let (shown, last) = try await page(scope, after: after, limit: configuration.pageSize)
        let cards = shown.map { PhotoCard($0, store: store) }
        return PhotoGrid(
            photos: cards, hasPhotos: !cards.isEmpty, nextURL: last.map { "\(basePath)?after=\($0)" },
            nextJSONURL: last.map { "/photos?\(scopeQuery)&after=\($0)&limit=\(configuration.pageSize)" },
            pendingIDs: cards.filter(\.isPending).map { String($0.id) }.joined(separator: ","), scopeQuery: scopeQuery)
    }

    /// `GET /photos?after=ID&limit=N[&album=ID|none]` or `?ids=1,2,3` (JSON).
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        if let hash = query["hash"] {
            // Lets a client skip a file it would upload for nothing (`app import`, scripts).
            let wanted = hash.lowercased()
            guard MediaKey.isSHA256Hex(wanted) else {
                throw APIError.badRequest("hash must be a SHA-256 as 64 hex digits.")
            }
            guard let photo = try await photos.photo(hash: wanted) else {
                throw APIError.notFound("No photo has this hash.")
            }
            return JSONResponse.make(json(photo))
        }
        if let ids = query["ids"] {
            let parsed = ids.split(separator: ",").compactMap { Int64($0) }
            guard parsed.count <= 200 else { throw APIError.badRequest("Ask for at most 200 ids at once.") }
            let photos = try await photos.photos(ids: parsed).sorted { $0.id > $1.id }
            return JSONResponse.make(PhotoListJSON(photos: photos.map(json), next: nil, includeNext: true))
        }
        let limit: Int
        if let text = query["limit"] {
            guard let value = Int(text), (1...200).contains(value) else {
                throw APIError.badRequest("limit must be a whole number from 1 to 200.")
            }
            limit = value
        } else {
            limit = configuration.pageSize
        }
        let scope: PhotoScope
        switch query["album"].map(String.init) {
        case nil: scope = .all
        case "none"?: scope = .unsorted
        case let text?:
            guard let id = Int64(text), id > 0 else { throw APIError.badRequest("album must be an album id or none.") }
            scope = .album(id)
        }
        let (shown, next) = try await page(scope, after: try request.photoCursor(), limit: limit)
        return JSONResponse.make(PhotoListJSON(photos: shown.map(json), next: next, includeNext: true))
    }

    /// `GET /photos/{id}`: the photo page, or its JSON.
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let photo = try await findPhoto(context)
        if request.wantsJSON { return JSONResponse.make(json(photo)) }
        let card = PhotoCard(photo, store: store)
        let scope = photo.albumID.map(PhotoScope.album) ?? .unsorted
        let neighbours = try await albums.neighbours(of: photo, in: scope)
        let albums = try await albums.albums()
        let albumName = albums.first { $0.id == photo.albumID }?.name
        return renderer.page(
            "photo",
            PhotoPage(
                title: photo.originalName, chrome: PageChrome(context, section: .photos),
                photo: card, pendingIDs: card.isPending ? String(photo.id) : "",
                newerURL: neighbours.newer.map { "/photos/\($0)" }, olderURL: neighbours.older.map { "/photos/\($0)" },
                albums: albums.map { AlbumOption(id: $0.id, name: $0.name, isSelected: $0.id == photo.albumID) },
                albumName: albumName, backURL: photo.albumID.map { "/albums/\($0)" } ?? "/",
                backText: albumName.map { "Back to \($0)" } ?? "Back to the gallery",
                canDelete: Ownership.refusal(toDelete: photo, context: context) == nil))
    }

    /// `POST /photos/{id}/album` with `album` (an id, or empty for none): moves the photo between albums.
    @Sendable func move(_ request: Request, context: Context) async throws -> Response {
        let id = try context.routeID(naming: "photo")
        let fields = try await RequestFields.read(request)
        guard fields["album"] != nil else {
            throw APIError.badRequest("Choose an album (field \"album\", empty for none).")
        }
        let album = try RequestFields.albumID(fields["album"])
        guard let moved = try await albums.move(photoIDs: [id], toAlbum: album) else {
            throw APIError.notFound("There is no album \(album ?? 0).")
        }
        guard moved == 1, let photo = try await photos.photo(id: id) else {
            throw APIError.notFound("There is no photo \(id).")
        }
        context.logger.info(
            "photo moved", metadata: ["photo.id": "\(id)", "album.id": "\(album.map(String.init) ?? "none")"])
        if request.wantsJSON { return JSONResponse.make(json(photo)) }
        return JSONResponse.seeOther("/photos/\(id)")
    }

    /// `DELETE /photos/{id}` or `POST /photos/{id}/delete`: the row, its jobs, then its files.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try context.routeID(naming: "photo")
        // The owner never changes, so checking before the delete cannot race with another request.
        guard let found = try await photos.photo(id: id) else { throw APIError.notFound("There is no photo \(id).") }
        if let refusal = Ownership.refusal(toDelete: found, context: context) { throw refusal }
        guard let photo = try await photos.delete(id: id) else { throw APIError.notFound("There is no photo \(id).") }
        var keys = [MediaKey(kind: .original, hash: photo.hash, fileExtension: photo.originalExtension)]
        for kind in [MediaKey.Kind.display, .thumbnail] {
            for ext in ["jpg", "png", "webp"] {
                keys.append(MediaKey(kind: kind, hash: photo.hash, fileExtension: ext))
            }
        }
        for key in keys {
            do {
                try await store.delete(key)
            } catch {
                context.logger.error(
                    "deleting a media file failed",
                    metadata: ["photo.id": "\(id)", "media.key": "\(key)", "error": "\(error)"])
            }
        }
        context.logger.info("photo deleted", metadata: ["photo.id": "\(id)"])
        if request.method == .delete { return Response(status: .noContent) }
        if request.wantsJSON { return JSONResponse.make(["deleted": id]) }
        return JSONResponse.seeOther(photo.albumID.map { "/albums/\($0)" } ?? "/")
    }

    /// `POST /photos`: streams the files, stores each original by hash and records it with its job.
    /// Beyond `MAX_CONCURRENT_UPLOADS` at once it answers 503 with `Retry-After` before reading the body.
    @Sendable func upload(_ request: Request, context: Context) async throws -> Response {
        try await uploadLimiter.withSlot { try await receiveUpload(request, context: context) }
    }

    private func receiveUpload(_ request: Request, context: Context) async throws -> Response {
        try context.authorizeUpload()
        if let length = request.headers[.contentLength].flatMap(Int.init), length > configuration.maxUploadBytes {
            throw MultipartUploadReader.tooManyBytes(configuration.maxUploadBytes)
        }
        let reader = MultipartUploadReader(
            maxBytes: configuration.maxUploadBytes, maxPixels: configuration.maxPixels,
            temporaryDirectory: store.temporaryDirectory)
        let form = try await reader.readForm(request.body, contentType: request.headers[.contentType])
        var outcomes: [InsertOutcome] = []
        var remaining = form.files[...]
        defer { for file in remaining { POSIXFile.removeIfPresent(file.temporaryPath) } }
        if request.headers[CSRFPolicy.headerName] == nil, context.user?.isBearer != true {
            try CSRFPolicy.verify(request, context: context, submitted: form.fields[CSRFPolicy.fieldName])
        }
        let albumID = try RequestFields.albumID(
            form.fields["album"] ?? request.uri.queryParameters["album"].map(String.init))
        if let albumID, try await albums.album(id: albumID) == nil {
            throw APIError.badRequest("There is no album \(albumID) to upload into.")
        }
        while let file = remaining.first {
            outcomes.append(try await record(file, albumID: albumID, ownerID: context.user?.id))
            remaining = remaining.dropFirst()
        }
        let anyNew = outcomes.contains(where: \.isNew)
        Counter(label: "memories_upload_bytes_total").increment(by: form.files.reduce(0) { $0 + $1.inspected.bytes })
        if request.wantsJSON {
            return JSONResponse.make(
                PhotoListJSON(photos: outcomes.map { json($0.photo) }, next: nil, includeNext: false),
                status: anyNew ? .created : .ok)
        }
        if outcomes.count == 1 { return JSONResponse.seeOther("/photos/\(outcomes[0].photo.id)") }
        return JSONResponse.seeOther(albumID.map { "/albums/\($0)" } ?? "/")
    }

    /// Stores one uploaded file and records it; a duplicate answers with the photo that has those bytes.
    private func record(_ file: UploadedFile, albumID: Int64?, ownerID: Int64?) async throws -> InsertOutcome {
        let store = store
        let path = file.temporaryPath
        return try await ingest.record(
            file.inspected, originalName: file.originalName,
            albumID: albumID, ownerID: ownerID,
            storeOriginal: { key, contentType in try await store.put(key, movingFile: path, contentType: contentType) },
            deleteStored: { key in try await store.delete(key) },
            discard: { POSIXFile.removeIfPresent(path) })
    }

    private func json(_ photo: Photo) -> PhotoJSON { PhotoJSON(photo, store: store) }

    private func findPhoto(_ context: Context) async throws -> Photo {
        let id = try context.routeID(naming: "photo")
        guard let photo = try await photos.photo(id: id) else { throw APIError.notFound("There is no photo \(id).") }
        return photo
    }
}
