import Database
import Foundation
import Hummingbird
import Jobs

/// `POST /photos/bulk`: one action over many photos (the selection bar, scripts), answered per id. Each action is
/// one statement or one transaction, so it applies to all the photos or to none; ids the caller may not act on fail
/// the whole call (403) before anything changes.
struct BulkController: Sendable {
    typealias Context = WebRequestContext

    let photos: any PhotoRepository
    let albums: any AlbumRepository
    let purge: MediaPurge
    let configuration: WebConfiguration

    /// What a bulk call can do, by its stable `action` name.
    enum Action: String, CaseIterable, Sendable {
        case trash, restore, favorite, unfavorite
        case addToAlbum = "add_to_album"
        case removeFromAlbum = "remove_from_album"

        var needsAlbum: Bool { self == .addToAlbum || self == .removeFromAlbum }
        /// Trashing and restoring follow the delete rule (`Ownership`); the rest only need the right to change.
        var isDeletion: Bool { self == .trash || self == .restore }
    }

    /// A parsed request: distinct ids in their order, the action, and the album of the album actions.
    struct Command: Sendable {
        let ids: [Int64]
        let action: Action
        let album: Int64?
    }

    func addRoutes(to router: Router<Context>) {
        router.post("/photos/bulk", use: bulk)
    }

    /// Answers `{"action": …, "album": id or null, "results": [{"id": 1, "status": "trashed"}, …]}`, one result per
    /// distinct id in the order sent; see docs/api.md for the statuses.
    @Sendable func bulk(_ request: Request, context: Context) async throws -> Response {
        guard context.canChange else { throw APIError(.unauthorized, "unauthorized", "Sign in to change photos.") }
        let command = try await Self.command(request)
        let known = try await photos.ownership(photoIDs: command.ids)
        if command.action.isDeletion {
            let refused = command.ids.filter { id in
                known[id].map { Ownership.refusal(to: .delete, ownerID: $0.ownerID, context: context) != nil } ?? false
            }
            if !refused.isEmpty {
                let named = refused.prefix(10).map(String.init).joined(separator: ", ")
                throw APIError(
                    .forbidden, "forbidden",
                    "Only the person who uploaded a photo can move it to or out of the trash; nothing was changed. "
                        + "Not yours: \(named)\(refused.count > 10 ? " and \(refused.count - 10) more" : "").")
            }
        }
        let statuses = try await apply(command, known: known, context: context)
        context.logger.info(
            "bulk action", metadata: ["bulk.action": "\(command.action.rawValue)", "photos": "\(command.ids.count)"])
        return JSONResponse.make(
            BulkJSON(
                action: command.action.rawValue, album: command.album,
                results: command.ids.map { BulkJSON.Result(id: $0, status: statuses[$0] ?? "missing") }))
    }

    /// Runs the action through the repositories' own methods; returns each existing id's status.
    private func apply(_ command: Command, known: [Int64: PhotoOwnership], context: Context) async throws
        -> [Int64: String]
    {
        let existing = command.ids.filter { known[$0] != nil }
        func statuses(changed: [Int64], as done: String, otherwise: String) -> [Int64: String] {
            let changed = Set(changed)
            return Dictionary(uniqueKeysWithValues: existing.map { ($0, changed.contains($0) ? done : otherwise) })
        }
        switch command.action {
        case .trash:
            let trashed = try await photos.trash(photoIDs: existing)
            guard configuration.trashDays == 0 else {
                return statuses(changed: trashed, as: "trashed", otherwise: "already_trashed")
            }
            // No trash on this server: what was just moved there is purged at once, rows first, then files.
            let purged = try await photos.purgeTrash(
                Ownership.trashScope(context), ids: existing, olderThan: nil, limit: existing.count)
            await purge.removeFiles(of: purged)
            return statuses(changed: purged.map(\.id), as: "purged", otherwise: "missing")
        case .restore:
            let restored = try await photos.restore(photoIDs: existing)
            return statuses(changed: restored, as: "restored", otherwise: "not_trashed")
        case .favorite, .unfavorite:
            let starred = command.action == .favorite
            let changed = try await photos.setFavorite(starred, photoIDs: existing)
            return statuses(changed: changed, as: starred ? "favorited" : "unfavorited", otherwise: "missing")
        case .addToAlbum, .removeFromAlbum:
            guard let album = command.album else { throw APIError.badRequest("Name the album (field \"album\").") }
            let adding = command.action == .addToAlbum
            let changed =
                adding
                ? try await albums.add(photoIDs: existing, toAlbum: album)
                : try await albums.remove(photoIDs: existing, fromAlbum: album)
            guard let changed else { throw APIError.notFound("There is no album \(album).") }
            return adding
                ? statuses(changed: changed, as: "added", otherwise: "already_in_album")
                : statuses(changed: changed, as: "removed", otherwise: "not_in_album")
        }
    }

    /// Reads `{"ids": [...], "action": "...", "album": id}`; every malformed part is a 400 naming it.
    static func command(_ request: Request) async throws -> Command {
        guard HeaderParameters(request.headers[.contentType] ?? "").value == "application/json" else {
            throw APIError.unsupportedType(
                "Send JSON like {\"ids\": [1, 2], \"action\": \"trash\"} with Content-Type: application/json.")
        }
        var request = request
        let limit = RequestFields.maxPhotoIDs
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: 24 * limit + 4096)
        } catch {
            throw APIError.tooLarge("Name at most \(limit) photos at once.")
        }
        struct Body: Decodable {
            let ids: [Int64]?
            let action: String?
            let album: Int64?
        }
        guard let decoded = try? JSONDecoder().decode(Body.self, from: Data(body.readableBytesView)) else {
            throw APIError.badRequest(
                "The body must be a JSON object like {\"ids\": [1, 2], \"action\": \"trash\"}, "
                    + "with the ids and the album as whole numbers.")
        }
        try RequestFields.rejectUnknown(RequestFields.jsonKeys(body) ?? [], accepted: ["ids", "action", "album"])
        let names = Action.allCases.map(\.rawValue).joined(separator: ", ")
        guard let actionName = decoded.action else {
            throw APIError.badRequest("Name the action (field \"action\"): one of \(names).")
        }
        guard let action = Action(rawValue: actionName) else {
            throw APIError.badRequest("Unknown action \u{201C}\(actionName)\u{201D}; use one of \(names).")
        }
        guard let list = decoded.ids else {
            throw APIError.badRequest("Name the photos as a list of ids (field \"ids\": [1, 2, 3]).")
        }
        guard !list.isEmpty else { throw APIError.badRequest("Name at least one photo (field \"ids\").") }
        guard list.count <= limit else {
            throw APIError.tooLarge("Name at most \(limit) photos at once; this call named \(list.count).")
        }
        guard list.allSatisfy({ $0 > 0 }) else { throw APIError.badRequest("Photo ids are positive whole numbers.") }
        var seen = Set<Int64>()
        let ids = list.filter { seen.insert($0).inserted }
        let album = decoded.album
        if let album, album <= 0 { throw APIError.badRequest("album must be an album id.") }
        if action.needsAlbum, album == nil {
            throw APIError.badRequest("\(action.rawValue) needs the album (field \"album\": id).")
        }
        return Command(ids: ids, action: action, album: album)
    }
}

/// The answer of `POST /photos/bulk`.
struct BulkJSON: Encodable, Sendable {
    struct Result: Encodable, Sendable {
        let id: Int64
        let status: String
    }

    let action: String
    @Null var album: Int64?
    let results: [Result]
}
