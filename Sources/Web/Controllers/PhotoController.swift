import Database
import Foundation
import Hummingbird
import Imaging
import Ingest
import Jobs
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
    /// Removes a purged photo's files.
    let purge: MediaPurge
    /// How many albums a form offers to upload into or add to: the most recently changed (every album's own page
    /// takes uploads and its photos' pages list it).
    static let albumChoices = 50
    /// Shared by every upload this process handles (`MAX_CONCURRENT_UPLOADS`).
    var uploadLimiter = UploadLimiter(limit: 64)

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: gallery)
        router.get("/photos", use: list)
        router.post("/photos", use: upload)
        router.post("/photos/download", use: downloadSelection)
        router.get("/timeline", use: timeline)
        router.get("/search", use: search)
        router.get("/photos/{id}", use: show)
        router.patch("/photos/{id}", use: update)
        router.post("/photos/{id}/date", use: update)
        router.post("/photos/{id}/favorite", use: update)
        router.delete("/photos/{id}", use: delete)
        router.post("/photos/{id}/delete", use: delete)
        router.post("/photos/{id}/album", use: addToAlbum)
        router.post("/photos/{id}/album/remove", use: removeFromAlbum)
    }

    /// `GET /`: every photo by the date it was taken, newest first, with a heading per month and a year scrubber;
    /// `?after=ID` for older pages, `?from=2019-07` to start at the end of a month. JSON (`/photos`) when asked.
    @Sendable func gallery(_ request: Request, context: Context) async throws -> Response {
        if request.wantsJSON { return try await list(request, context: context) }
        let after = try request.photoCursor()
        let from = try request.monthWindow("from")
        let favorites = try request.favoritesOnly()
        let key = after.map { "after:\($0)" } ?? from.map { "from:\(Formatting.monthKey($0.start))" } ?? "first"
        let gridHTML = try await gallery.fragment("timeline:\(favorites ? "favorites:" : "")\(key)") {
            let grid = try await gridPage(
                .all,
                PhotoPageQuery(
                    after: after, takenBefore: from?.end, favoritesOnly: favorites, limit: configuration.pageSize),
                basePath: "/", scopeQuery: favorites ? "favorite=true" : "")
            return renderer.render(
                "gallerygrid", GalleryGridFragment(grid: grid, isFirstPage: after == nil, showsFavorites: favorites))
        }
        // Cached like the grid (album changes bump the same generation): no database query per page view.
        let albumOptionsHTML = try await gallery.fragment("albumoptions") {
            let albums = try await albums.recentAlbums(limit: Self.albumChoices).map {
                AlbumOption(id: $0.id, name: $0.name, isSelected: false)
            }
            return renderer.render("albumoptions", AlbumOptionsFragment(albums: albums))
        }
        let scrubberHTML = try await gallery.fragment("scrubber") {
            renderer.render("scrubber", ScrubberFragment(years: ScrubberYear.years(try await photos.timeline())))
        }
        return renderer.page(
            "gallery",
            GalleryPage(
                chrome: PageChrome(context, section: .photos), gridHTML: gridHTML,
                scrubberHTML: favorites ? "" : scrubberHTML, showsFavorites: favorites,
                upload: uploadForm(albumOptionsHTML: albumOptionsHTML, fixedAlbumID: nil)))
    }

    /// The upload form of the gallery (an album choice) or of an album page (`fixedAlbumID`).
    func uploadForm(albumOptionsHTML: String, fixedAlbumID: Int64?) -> UploadFormModel {
        UploadFormModel(
            maxUploadText: Formatting.bytes(configuration.maxUploadBytes), albumOptionsHTML: albumOptionsHTML,
            fixedAlbumID: fixedAlbumID, tusThreshold: tusThreshold)
    }

    /// The "Share…" control of an album or photo page; nil when share links are off.
    func shareForm(action: String, isAlbum: Bool) -> ShareFormModel? {
        guard configuration.sharing.enabled else { return nil }
        return ShareFormModel(action: action, isAlbum: isAlbum, defaultExpiry: configuration.sharing.defaultExpiry)
    }

    /// One newest-first page of `scope`: at most `query.limit` photos, and the next page's cursor when there is one.
    func page(_ scope: PhotoScope, _ query: PhotoPageQuery) async throws -> (photos: [Photo], next: Int64?) {
        var probe = query
        probe.limit = query.limit + 1
        let page = try await albums.photos(in: scope, page: probe)
        let shown = Array(page.prefix(query.limit))
        return (shown, page.count > query.limit ? shown.last?.id : nil)
    }

    /// One page of a grid: the cards with their month headings, and the links to the next page when there is one.
    func gridPage(_ scope: PhotoScope, _ query: PhotoPageQuery, basePath: String, scopeQuery: String) async throws
        -> PhotoGrid
    {
        let (shown, last) = try await page(scope, query)
        let cards = shown.map { photo in
            var card = PhotoCard(photo, store: store)
            if case .album(let id) = scope { card.href += "?album=\(id)" }
            return card
        }
        return PhotoGrid(
            cards: cards, next: last, pagePath: basePath,
            jsonURL: scopeQuery.isEmpty ? "/photos" : "/photos?\(scopeQuery)", limit: query.limit,
            scopeQuery: scopeQuery)
    }

    /// `GET /photos?after=ID&limit=N[&album=ID][&month=2019-07]` or `?ids=1,2,3` or `?hash=…` (JSON).
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        // Every parameter is checked, also those a lookup by `hash` or `ids` does not use: none is silently dropped.
        let limit = try request.pageLimit(default: configuration.pageSize)
        let filters = try SearchFilters(request)
        let month = try request.monthWindow("month")
        let after = try request.photoCursor()
        let favoritesOnly = try request.favoritesOnly()
        if let hash = query["hash"] {
            // Lets a client skip a file it would upload for nothing (`app import`, scripts).
            let wanted = hash.lowercased()
            guard MediaKey.isSHA256Hex(wanted) else {
                throw APIError.badRequest("hash must be a SHA-256 as 64 hex digits.")
            }
            // A trashed photo is absent here too: uploading its bytes again is how it comes back.
            guard let photo = try await photos.photo(hash: wanted), photo.trashedAt == nil else {
                throw APIError.notFound("No photo has this hash.")
            }
            return JSONResponse.make(json(photo))
        }
        if let ids = query["ids"] {
            let parsed = try RequestFields.queryIDs(ids)
            let photos = try await photos.photos(ids: parsed).filter { $0.trashedAt == nil }.sorted { $0.id > $1.id }
            return JSONResponse.make(PhotoListJSON(photos: photos.map(json), next: nil, includeNext: true))
        }
        let scope = try await searchScope(filters)
        let (shown, next) = try await page(
            scope,
            PhotoPageQuery(
                after: after,
                takenBefore: [month?.end, filters.takenBefore].compactMap { $0 }.min(),
                takenFrom: [month?.start, filters.takenFrom].compactMap { $0 }.max(),
                favoritesOnly: favoritesOnly, search: filters.words, limit: limit))
        return JSONResponse.make(PhotoListJSON(photos: shown.map(json), next: next, includeNext: true))
    }

    /// The scope of a search: its album (a 404 when there is no such album) or every photo.
    func searchScope(_ filters: SearchFilters) async throws -> PhotoScope {
        guard let id = filters.album else { return .all }
        guard try await albums.album(id: id) != nil else { throw APIError.notFound("There is no album \(id).") }
        return .album(id)
    }

    /// `GET /search?q=…&from=…&to=…&album=…`: the search form and, once a filter is set, the matching photos as the
    /// gallery's grid (newest first, a heading per month, "Older photos"). JSON (`/photos` with the same filters)
    /// when asked.
    @Sendable func search(_ request: Request, context: Context) async throws -> Response {
        if request.wantsJSON { return try await list(request, context: context) }
        let filters = try SearchFilters(request)
        let scope = try await searchScope(filters)
        var choices = try await albums.recentAlbums(limit: Self.albumChoices)
        if let id = filters.album, !choices.contains(where: { $0.id == id }) {
            choices.insert(contentsOf: try await albums.albums(ids: [id]), at: 0)
        }
        var grid: PhotoGrid?
        if filters.isActive {
            let query = filters.queryString
            grid = try await gridPage(
                scope,
                PhotoPageQuery(
                    after: try request.photoCursor(), takenBefore: filters.takenBefore, takenFrom: filters.takenFrom,
                    search: filters.words, limit: configuration.pageSize),
                basePath: "/search?\(query)", scopeQuery: query)
        }
        return renderer.page(
            "search",
            SearchPage(
                chrome: PageChrome(context, section: .search), filters: filters,
                albums: choices.map { AlbumOption(id: $0.id, name: $0.name, isSelected: $0.id == filters.album) },
                grid: grid, isFirstPage: request.uri.queryParameters["after"] == nil))
    }

    /// `GET /timeline`: photos per month, newest first, `{"buckets": [{"month": "2019-07", "count": 123}, …]}`.
    @Sendable func timeline(_ request: Request, context: Context) async throws -> Response {
        JSONResponse.make(TimelineJSON(try await photos.timeline()))
    }

    /// `GET /photos/{id}`: the photo page (`?album=ID` walks that album), or its JSON.
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let photo = try await findPhoto(context)
        // A trashed photo is only there for who may restore it: to everyone else it is gone.
        if photo.trashedAt != nil, Ownership.refusal(toDelete: photo, context: context) != nil {
            throw APIError.notFound("There is no photo \(photo.id).")
        }
        if request.wantsJSON { return JSONResponse.make(json(photo)) }
        let card = PhotoCard(photo, store: store)
        let memberOf = try await albums.albums(ids: photo.albumIDs)
        let addable = try await albums.recentAlbums(limit: Self.albumChoices + photo.albumIDs.count)
            .filter { !photo.albumIDs.contains($0.id) }.prefix(Self.albumChoices)
        let contextAlbum = request.uri.queryParameters["album"].flatMap { Int64($0) }
            .flatMap { id in memberOf.first { $0.id == id } }
        let neighbours = try await self.albums.neighbours(of: photo, in: contextAlbum.map { .album($0.id) } ?? .all)
        let suffix = contextAlbum.map { "?album=\($0.id)" } ?? ""
        let option = { (album: Album) in AlbumOption(id: album.id, name: album.name, isSelected: false) }
        return renderer.page(
            "photo",
            PhotoPage(
                title: photo.originalName,
                chrome: PageChrome(context, section: photo.trashedAt == nil ? .photos : .trash),
                photo: card, pendingIDs: card.isPending ? String(photo.id) : "",
                newerURL: neighbours.newer.map { "/photos/\($0)\(suffix)" },
                olderURL: neighbours.older.map { "/photos/\($0)\(suffix)" },
                memberOf: memberOf.map(option), addableAlbums: addable.map(option), canAddToAlbum: !addable.isEmpty,
                contextAlbum: contextAlbum.map(option),
                backURL: photo.trashedAt != nil ? "/trash" : contextAlbum.map { "/albums/\($0.id)" } ?? "/",
                backText: photo.trashedAt != nil
                    ? "Back to the trash" : contextAlbum.map { "Back to \($0.name)" } ?? "Back to the gallery",
                canDelete: Ownership.refusal(toDelete: photo, context: context) == nil,
                canCorrectDate: Ownership.refusal(to: .correctDate, photo, context: context) == nil,
                takenLocalValue: photo.capturedAt ?? "", takenOffsetValue: photo.capturedOffset ?? "",
                takenSourceText: Self.describe(photo.takenAtSource),
                share: photo.trashedAt == nil ? shareForm(action: "/photos/\(photo.id)/links", isAlbum: false) : nil,
                trash: photo.trashedAt.map {
                    TrashNotice(photo: photo, trashedAt: $0, trashDays: configuration.trashDays)
                }))
    }

    /// How the photo page explains where the timeline's date comes from.
    static func describe(_ source: TakenAtSource) -> String {
        switch source {
        case .exif: "from the camera, with its time zone"
        case .exifLocal: "from the camera's clock (no time zone recorded)"
        case .upload: "the upload time (the file has no capture date)"
        }
    }

    /// `PATCH /photos/{id}` with `{"taken_at": "2019-07-14T18:42:07+02:00"}` and/or `{"favorite": true}`, or the
    /// page's `POST /photos/{id}/date` (`taken_at`, `offset`) and `POST /photos/{id}/favorite` (`favorite`).
    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let id = try context.routeID(naming: "photo")
        let fields = try await RequestFields.read(
            request, accepting: ["taken_at": .text, "offset": .text, "favorite": .flag])
        let unknown = Set(fields.keys).subtracting(["taken_at", "offset", "favorite", CSRFPolicy.fieldName])
        guard unknown.isEmpty else {
            throw APIError.badRequest(
                "Unknown field \(unknown.sorted().joined(separator: ", ")); only taken_at and favorite can change.")
        }
        guard fields["taken_at"] != nil || fields["favorite"] != nil else {
            throw APIError.badRequest(
                "Send taken_at, like 2019-07-14T18:42:07+02:00 (the offset is optional), or favorite (true or false).")
        }
        let time = try fields["taken_at"].map { try RequestFields.captureTime($0, offset: fields["offset"]) }
        let favorite = try fields["favorite"].map(RequestFields.flag(named: "favorite"))
        guard let found = try await photos.photo(id: id) else { throw APIError.notFound("There is no photo \(id).") }
        guard context.canChange else {
            throw APIError(.unauthorized, "unauthorized", "Sign in to change photos.")
        }
        if time != nil, let refusal = Ownership.refusal(to: .correctDate, found, context: context) { throw refusal }
        if let time {
            _ = try await photos.setCaptureTime(photoID: id, to: time)
            context.logger.info("photo date corrected", metadata: ["photo.id": "\(id)"])
        }
        if let favorite { _ = try await photos.setFavorite(favorite, photoIDs: [id]) }
        guard let photo = try await photos.photo(id: id) else { throw APIError.notFound("There is no photo \(id).") }
        if request.method == .patch || request.wantsJSON { return JSONResponse.make(json(photo)) }
        return JSONResponse.seeOther("/photos/\(id)")
    }

    /// `POST /photos/{id}/album` with `album`: adds the photo to that album (it stays in the gallery and its other
    /// albums).
    @Sendable func addToAlbum(_ request: Request, context: Context) async throws -> Response {
        try await changeAlbum(request, context: context, adding: true)
    }

    /// `POST /photos/{id}/album/remove` with `album`: takes the photo out of that album.
    @Sendable func removeFromAlbum(_ request: Request, context: Context) async throws -> Response {
        try await changeAlbum(request, context: context, adding: false)
    }

    private func changeAlbum(_ request: Request, context: Context, adding: Bool) async throws -> Response {
        let id = try context.routeID(naming: "photo")
        let fields = try await RequestFields.read(request, accepting: ["album": .number])
        guard let album = try RequestFields.albumID(fields["album"]) else {
            throw APIError.badRequest("Choose an album (field \"album\").")
        }
        guard try await photos.photo(id: id) != nil else { throw APIError.notFound("There is no photo \(id).") }
        let changed =
            adding
            ? try await albums.add(photoIDs: [id], toAlbum: album)
            : try await albums.remove(photoIDs: [id], fromAlbum: album)
        guard changed != nil, let photo = try await photos.photo(id: id) else {
            throw APIError.notFound("There is no album \(album).")
        }
        context.logger.info(
            adding ? "photo added to album" : "photo removed from album",
            metadata: ["photo.id": "\(id)", "album.id": "\(album)"])
        if request.wantsJSON { return JSONResponse.make(json(photo)) }
        return JSONResponse.seeOther("/photos/\(id)")
    }

    /// `DELETE /photos/{id}` or `POST /photos/{id}/delete`: moves the photo to the trash (again: nothing changes).
    /// `?permanent=true` (or the form's `permanent` field), or `TRASH_DAYS=0`, purges it at once: the row and its
    /// jobs, then its files.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let id = try context.routeID(naming: "photo")
        var permanentText = request.uri.queryParameters["permanent"].map(String.init)
        if request.method == .post {
            permanentText =
                try await RequestFields.read(request, accepting: ["permanent": .flag])["permanent"] ?? permanentText
        }
        let permanent = try permanentText.map(RequestFields.flag(named: "permanent")) ?? false
        // The owner never changes, so checking before the change cannot race with another request.
        guard let found = try await photos.photo(id: id) else { throw APIError.notFound("There is no photo \(id).") }
        if let refusal = Ownership.refusal(toDelete: found, context: context) { throw refusal }
        if permanent || configuration.trashDays == 0 {
            guard let photo = try await photos.delete(id: id) else {
                throw APIError.notFound("There is no photo \(id).")
            }
            await purge.removeFiles(of: [photo])
            context.logger.info("photo deleted", metadata: ["photo.id": "\(id)"])
            if request.method == .delete { return Response(status: .noContent) }
            if request.wantsJSON { return JSONResponse.make(["deleted": id]) }
            return JSONResponse.seeOther(found.trashedAt == nil ? "/" : "/trash")
        }
        _ = try await photos.trash(photoIDs: [id])
        context.logger.info("photo moved to the trash", metadata: ["photo.id": "\(id)"])
        if request.method == .delete { return Response(status: .noContent) }
        if request.wantsJSON { return JSONResponse.make(["trashed": id]) }
        return JSONResponse.seeOther("/")
    }

    /// `POST /photos`: streams the files, stores each original by hash and records it with its job.
    /// Beyond `MAX_CONCURRENT_UPLOADS` at once it answers 503 with `Retry-After` before reading the body.
    @Sendable func upload(_ request: Request, context: Context) async throws -> Response {
        try await uploadLimiter.withSlot { try await receiveUpload(request, context: context, guest: nil) }
    }

    /// A guest's `POST /s/{token}/photos`, once the share link allowed it: the same contract and answers as
    /// `POST /photos`, into the link's album and attributed to the link.
    func guestUpload(_ request: Request, context: Context, guest: GuestUpload) async throws -> Response {
        try await uploadLimiter.withSlot { try await receiveUpload(request, context: context, guest: guest) }
    }

    private func receiveUpload(_ request: Request, context: Context, guest: GuestUpload?) async throws -> Response {
        if guest == nil { try context.authorizeUpload() }
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
        // A guest's album is the link's; the form cannot choose another.
        let albumID =
            try guest?.albumID
            ?? RequestFields.albumID(form.fields["album"] ?? request.uri.queryParameters["album"].map(String.init))
        if let albumID, try await albums.album(id: albumID) == nil {
            throw APIError.notFound("There is no album \(albumID) to upload into.")
        }
        while let file = remaining.first {
            outcomes.append(
                try await record(
                    file, albumID: albumID, ownerID: guest == nil ? context.user?.id : nil, linkID: guest?.linkID))
            remaining = remaining.dropFirst()
        }
        let anyNew = outcomes.contains(where: \.isNew)
        Counter(label: "memories_upload_bytes_total").increment(by: form.files.reduce(0) { $0 + $1.inspected.bytes })
        if request.wantsJSON {
            let present = guest.map { guest in { (photo: Photo) in guest.view.json(photo, revealHash: true) } } ?? json
            return JSONResponse.make(
                PhotoListJSON(photos: outcomes.map { present($0.photo) }, next: nil, includeNext: false),
                status: anyNew ? .created : .ok)
        }
        if let guest { return JSONResponse.seeOther(guest.view.basePath) }
        if outcomes.count == 1 { return JSONResponse.seeOther("/photos/\(outcomes[0].photo.id)") }
        return JSONResponse.seeOther(albumID.map { "/albums/\($0)" } ?? "/")
    }

    /// Stores one uploaded file and records it; a duplicate answers with the photo that has those bytes.
    private func record(_ file: UploadedFile, albumID: Int64?, ownerID: Int64?, linkID: Int64?) async throws
        -> InsertOutcome
    {
        let store = store
        let path = file.temporaryPath
        return try await ingest.record(
            file.inspected, originalName: file.originalName,
            albumID: albumID, ownerID: ownerID, addedByLinkID: linkID,
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

/// An upload a guest makes through a share link that allows it.
struct GuestUpload: Sendable {
    let albumID: Int64
    let linkID: Int64
    /// How the answer shows the photos, and where a form post goes back to.
    let view: SharedView
}
