import Database
import Foundation
import Hummingbird
import Jobs
import Storage

/// The trash (issue 26): what `DELETE /photos/{id}` moved there, restored or purged by the people who may delete
/// it (`Ownership`); the sweep purges it after `TRASH_DAYS`.
struct TrashController: Sendable {
    typealias Context = WebRequestContext

    let photos: any PhotoRepository
    let store: any MediaStore
    let purge: MediaPurge
    let configuration: WebConfiguration
    let renderer: PageRenderer
    /// Rows one purge statement deletes: emptying a big trash runs several short transactions.
    static let purgeBatch = 500

    func addRoutes(to router: Router<Context>) {
        router.get("/trash", use: list)
        router.post("/trash/empty", use: empty)
        router.post("/photos/{id}/restore", use: restore)
    }

    /// `GET /trash[?after=ID&limit=N]`: the viewer's trashed photos, most recently trashed first, as a page or as
    /// `{"photos": [photo with trashed_at], "next": cursor, "trash_days": N}`.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        try Self.requireChange(context)
        let after = try request.photoCursor()
        let limit = try request.pageLimit(default: configuration.pageSize)
        let found = try await photos.trashed(Ownership.trashScope(context), after: after, limit: limit + 1)
        let shown = Array(found.prefix(limit))
        let next = found.count > limit ? shown.last?.id : nil
        if request.wantsJSON {
            return JSONResponse.make(
                TrashJSON(
                    photos: shown.map { PhotoJSON($0, store: store) }, next: next,
                    trashDays: configuration.trashDays))
        }
        let cards = shown.map { photo in
            TrashCard(
                card: PhotoCard(photo, store: store),
                notice: TrashNotice(
                    photo: photo, trashedAt: photo.trashedAt ?? Date(), trashDays: configuration.trashDays))
        }
        return renderer.page(
            "trash",
            TrashPage(
                chrome: PageChrome(context, section: .trash), photos: cards, hasPhotos: !cards.isEmpty,
                nextURL: next.map { "/trash?after=\($0)" }, isFirstPage: after == nil,
                trashDays: configuration.trashDays))
    }

    /// `POST /photos/{id}/restore`: brings the photo back to the gallery, its albums and its star as they were.
    /// Restoring a photo that is not in the trash changes nothing. Answers the photo (JSON) or goes back to the
    /// trash (`back=trash`) or the photo's page.
    @Sendable func restore(_ request: Request, context: Context) async throws -> Response {
        let id = try context.routeID(naming: "photo")
        let fields = try await RequestFields.read(request, accepting: ["back": .text])
        guard let found = try await photos.photo(id: id) else { throw APIError.notFound("There is no photo \(id).") }
        if let refusal = Ownership.refusal(toDelete: found, context: context) {
            // Someone else's trashed photo is not there for this viewer at all, as on its page.
            if found.trashedAt != nil, refusal.status == .forbidden {
                throw APIError.notFound("There is no photo \(id).")
            }
            throw refusal
        }
        if try await !photos.restore(photoIDs: [id]).isEmpty {
            context.logger.info("photo restored from the trash", metadata: ["photo.id": "\(id)"])
        }
        guard let photo = try await photos.photo(id: id) else { throw APIError.notFound("There is no photo \(id).") }
        if request.wantsJSON { return JSONResponse.make(PhotoJSON(photo, store: store)) }
        return JSONResponse.seeOther(fields["back"] == "trash" ? "/trash" : "/photos/\(id)")
    }

    /// `POST /trash/empty`: purges every photo in the viewer's trash (their own and those without an owner): the
    /// rows first, then the files no photo still has. Answers `{"purged": N}` or goes back to the trash.
    @Sendable func empty(_ request: Request, context: Context) async throws -> Response {
        try Self.requireChange(context)
        var purged = 0
        while true {
            let batch = try await photos.purgeTrash(
                Ownership.trashScope(context), ids: nil, olderThan: nil, limit: Self.purgeBatch)
            await purge.removeFiles(of: batch)
            purged += batch.count
            if batch.count < Self.purgeBatch { break }
        }
        context.logger.info("trash emptied", metadata: ["photos": "\(purged)"])
        if request.wantsJSON { return JSONResponse.make(["purged": purged]) }
        return JSONResponse.seeOther("/trash")
    }

    /// The trash is only for those who may delete: 401 for a visitor who is not signed in.
    static func requireChange(_ context: Context) throws {
        guard context.canChange else {
            throw APIError(.unauthorized, "unauthorized", "Sign in to see and empty your trash.")
        }
    }
}

/// `{"photos": [...], "next": cursor or null, "trash_days": N}`: a page of the trash, and how many days a photo
/// stays there (its `trashed_at` plus that many days is when the sweep purges it).
struct TrashJSON: Encodable, Sendable {
    let photos: [PhotoJSON]
    @Null var next: Int64?
    let trashDays: Int

    enum CodingKeys: String, CodingKey {
        case photos, next
        case trashDays = "trash_days"
    }
}
