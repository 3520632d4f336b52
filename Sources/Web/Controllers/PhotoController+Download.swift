import Database
import Foundation
import Hummingbird

extension PhotoController {
    /// `POST /photos/download` with `photos=1,2,3` (the selection bar's form) or `{"photos": [ids]}`: the originals
    /// of those photos as one ZIP, streamed as it is built, in the order given. Ids that are not photos, or are in the
    /// trash, are left out; none at all is 404.
    @Sendable func downloadSelection(_ request: Request, context: Context) async throws -> Response {
        let ids = try await RequestFields.photoIDs(request)
        var found: [Int64: Photo] = [:]
        for photo in try await photos.photos(ids: ids) where photo.trashedAt == nil { found[photo.id] = photo }
        let chosen = ids.compactMap { found[$0] }
        guard !chosen.isEmpty else { throw APIError.notFound("None of those photos exist (any more).") }
        let name = chosen.count == 1 ? chosen[0].originalName : "Memories, \(chosen.count) photos"
        let archive = AlbumArchive(photos: chosen, store: store, logger: context.logger)
        let headers: HTTPFields = [
            .contentType: "application/zip",
            .contentDisposition: AlbumController.attachment((name as NSString).deletingPathExtension + ".zip"),
            .cacheControl: "no-store",
        ]
        return Response(status: .ok, headers: headers, body: archive.body)
    }
}
