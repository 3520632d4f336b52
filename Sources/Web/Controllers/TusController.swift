import Crypto
import Database
import Foundation
import HTTPTypes
import Hummingbird
import Ingest
import Logging
import NIOCore
import Storage

/// Resumable uploads, tus 1.0 (tus.io) at `/uploads`: core (`HEAD`, `PATCH`), creation, termination, checksum
/// (SHA-256 or SHA-1 per chunk) and expiration. Progress lives in the database under a lease, so any app server
/// takes any chunk and two `PATCH`es on one upload never interleave (the second gets 409). The last chunk turns
/// the upload into a photo through the same steps as `POST /photos` (`PhotoIngest`).
struct TusController: Sendable {
    typealias Context = WebRequestContext

    let albums: any AlbumRepository
    /// Where finished uploads' originals live (the same store as `resumable.store`).
    let store: any MediaStore
    let ingest: PhotoIngest
    let logger: Logger
    let resumable: ResumableUploads
    let configuration: WebConfiguration

    /// Whose uploads a request reaches: the site's (`/uploads`, an account's or an open server's) or, through a share
    /// link that takes uploads, that link's alone (`/s/{token}/uploads`), which go into its album.
    enum Scope: Sendable {
        case site
        case guest(GuestUpload)

        var guest: GuestUpload? {
            if case .guest(let guest) = self { return guest }
            return nil
        }

        /// Where the scope's uploads live: `/uploads` or `/s/<token>/uploads`.
        var basePath: String { guest.map { $0.view.basePath + "/uploads" } ?? "/uploads" }
    }

    /// tus's status for a chunk whose checksum does not match (checksum extension).
    static let checksumMismatch = HTTPResponse.Status(code: 460, reasonPhrase: "Checksum Mismatch")

    func addRoutes(to router: Router<Context>) {
        router.on("/uploads", method: .options) { request, _ in self.options(request) }
        router.on("/uploads/{id}", method: .options) { request, _ in self.options(request) }
        router.post("/uploads") { request, context in
            try await self.answer(request) { try await self.create(request, context) }
        }
        router.head("/uploads/{id}") { request, context in
            try await self.answer(request) { try await self.head(context) }
        }
        router.patch("/uploads/{id}") { request, context in
            try await self.answer(request) { try await self.patch(request, context) }
        }
        router.delete("/uploads/{id}") { request, context in
            try await self.answer(request) { try await self.delete(request, context) }
        }
    }

    /// A refusal with the headers tus clients act on (`Upload-Offset` on a 409, `Tus-Version` on a 412).
    struct Refusal: Error {
        var error: APIError
        var headers: HTTPFields = [:]
    }

    // MARK: Discovery

    func options(_ request: Request) -> Response {
        Response(
            status: .noContent,
            headers: [
                TusHeaders.resumable: TusHeaders.version, TusHeaders.tusVersion: TusHeaders.version,
                TusHeaders.maxSize: String(configuration.maxUploadBytes),
                TusHeaders.extensions: "creation,termination,checksum,expiration",
                TusHeaders.checksumAlgorithms: "sha256,sha1",
            ])
    }

    /// Checks `Tus-Resumable`, runs the handler, and adds the protocol's headers to whatever it answers.
    func answer(_ request: Request, _ handler: () async throws -> Response) async throws -> Response {
        do {
            guard request.headers[TusHeaders.resumable] == TusHeaders.version else {
                throw Refusal(
                    error: APIError(
                        .preconditionFailed, "tus_version", "Send Tus-Resumable: 1.0.0; this server speaks tus 1.0.0."),
                    headers: [TusHeaders.tusVersion: TusHeaders.version])
            }
            var response = try await handler()
            response.headers[TusHeaders.resumable] = TusHeaders.version
            return response
        } catch let refusal as Refusal {
            return respond(refusal)
        } catch let error as APIError {
            return respond(Refusal(error: error))
        }
    }

    private func respond(_ refusal: Refusal) -> Response {
        var response = JSONResponse.make(
            ErrorJSON(error: refusal.error.code, message: refusal.error.message), status: refusal.error.status)
        response.headers[TusHeaders.resumable] = TusHeaders.version
        for field in refusal.headers { response.headers[field.name] = field.value }
        return response
    }

    // MARK: Creation

    /// `POST /uploads` with `Upload-Length` and `Upload-Metadata` (`filename`, optional `sha256` hex, `album` id).
    func create(_ request: Request, _ context: Context, scope: Scope = .site) async throws -> Response {
        if scope.guest == nil { try context.authorizeUpload() }
        if request.headers[TusHeaders.uploadDeferLength] != nil {
            throw APIError.badRequest("Upload-Defer-Length is not supported: send Upload-Length.")
        }
        guard let text = request.headers[TusHeaders.uploadLength], let length = Int(text), length >= 0 else {
            throw APIError.badRequest("Send Upload-Length: the file's size in bytes.")
        }
        guard length > 0 else { throw APIError.badRequest("The file is empty.") }
        guard length <= configuration.maxUploadBytes else {
            throw APIError.tooLarge(
                "The upload is larger than the limit of \(Formatting.bytes(configuration.maxUploadBytes)).")
        }
        let metadata: [String: String] =
            try request.headers[TusHeaders.uploadMetadata].map { header -> [String: String] in
                guard let parsed = TusHeaders.parseMetadata(header) else {
                    throw APIError.badRequest(
                        "Upload-Metadata is malformed: comma-separated \"key base64value\" pairs.")
                }
                return parsed
            } ?? [:]
        let fileName = TusHeaders.cleanFileName(metadata["filename"] ?? metadata["name"] ?? "")
        var declaredHash: String?
        if let hash = metadata["sha256"] {
            guard MediaKey.isSHA256Hex(hash.lowercased()) else {
                throw APIError.badRequest("Upload-Metadata sha256 must be the file's SHA-256 as 64 hex digits.")
            }
            declaredHash = hash.lowercased()
        }
        // A guest's album is the link's; the metadata cannot choose another.
        let albumID = try scope.guest?.albumID ?? RequestFields.albumID(metadata["album"])
        if let albumID, try await albums.album(id: albumID) == nil {
            throw APIError.notFound("There is no album \(albumID) to upload into.")
        }
        let id = Hex.encode(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        let staged = try await resumable.store.beginStaging(id: id)
        let expires = Date().addingTimeInterval(resumable.expiry)
        var upload = Upload(
            id: id, length: length, fileName: fileName, declaredHash: declaredHash, albumID: albumID,
            ownerID: scope.guest == nil ? context.user?.id : nil, expiresAt: expires, shareLinkID: scope.guest?.linkID)
        upload.update(from: staged)
        do {
            try await resumable.uploads.create(upload)
        } catch {
            await resumable.store.discardStaged(staged)
            throw error
        }
        logger.info("resumable upload created", metadata: ["upload.id": "\(id)", "upload.length": "\(length)"])
        return Response(
            status: .created,
            headers: [
                .location: scope.basePath + "/" + id, TusHeaders.uploadExpires: HTTPDate.format(expires),
                TusHeaders.uploadOffset: "0",
            ])
    }

    // MARK: Core

    /// `HEAD /uploads/{id}`: how far the upload has come.
    func head(_ context: Context, scope: Scope = .site) async throws -> Response {
        let upload = try await find(context, scope: scope)
        var headers: HTTPFields = [
            TusHeaders.uploadOffset: String(upload.offset), TusHeaders.uploadLength: String(upload.length),
            .cacheControl: "no-store", TusHeaders.uploadExpires: HTTPDate.format(upload.expiresAt),
        ]
        if !upload.fileName.isEmpty {
            headers[TusHeaders.uploadMetadata] = "filename " + Data(upload.fileName.utf8).base64EncodedString()
        }
        return Response(status: .ok, headers: headers)
    }

    /// `PATCH /uploads/{id}`: one chunk at `Upload-Offset`, optionally with `Upload-Checksum`. The chunk is kept only
    /// when it arrived whole and matched its checksum; the last one makes the photo and answers with its JSON.
    func patch(_ request: Request, _ context: Context, scope: Scope = .site) async throws -> Response {
        if scope.guest == nil { try context.authorizeUpload() }
        let id = try uploadID(context)
        guard HeaderParameters(request.headers[.contentType] ?? "").value == TusHeaders.chunkContentType else {
            throw APIError.unsupportedType("Send chunks as Content-Type: \(TusHeaders.chunkContentType).")
        }
        guard let offsetText = request.headers[TusHeaders.uploadOffset], let offset = Int(offsetText), offset >= 0
        else {
            throw APIError.badRequest("Send Upload-Offset: where this chunk starts.")
        }
        let checksum = try request.headers[TusHeaders.uploadChecksum].map(ChunkChecksum.init(header:))
        let declaredLength = request.headers[.contentLength].flatMap(Int.init)
        if let declaredLength, declaredLength > resumable.maxChunkBytes { throw tooLargeChunk() }

        // Only its creator may send chunks (checked before the claim, so nobody else can even hold its lease).
        _ = try await find(context, scope: scope)
        let token = Hex.encode(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        let now = Date()
        let upload: Upload
        switch try await resumable.uploads.claim(
            id: id, offset: offset, token: token, until: now.addingTimeInterval(resumable.lease), now: now)
        {
        case .claimed(let claimed): upload = claimed
        case .notFound: throw APIError.notFound("There is no upload \(id).")
        case .expired: throw APIError(.gone, "expired", "This upload has expired; start it again.")
        case .offsetMismatch(let current):
            throw Refusal(
                error: APIError(
                    .conflict, "offset_mismatch", "The upload is at byte \(current), not \(offset): resume from there."),
                headers: [TusHeaders.uploadOffset: String(current)])
        case .busy:
            throw APIError(
                .conflict, "upload_busy", "Another request is sending a chunk of this upload; wait for it, then resume."
            )
        }
        do {
            return try await holdingLease(id: id, token: token) {
                try await self.write(
                    request, upload: upload, offset: offset, token: token, checksum: checksum,
                    declaredLength: declaredLength, scope: scope)
            }
        } catch {
            // In a task of its own: a request cancelled by its client's disconnect must still give the lease back,
            // or the upload would refuse its next chunk (409) until the lease ran out.
            let uploads = resumable.uploads
            await Task { try? await uploads.release(id: id, token: token) }.value
            throw error
        }
    }

    /// The claimed PATCH's work: store the chunk, record it, and make the photo after the last one.
    private func write(
        _ request: Request, upload: Upload, offset: Int, token: String, checksum: ChunkChecksum?, declaredLength: Int?,
        scope: Scope
    ) async throws -> Response {
        if upload.isComplete {
            // A retry after the last chunk was stored but the photo could not be made (the database was down).
            return try await complete(upload, token: token, scope: scope)
        }
        let chunkFile = resumable.store.temporaryDirectory + "/chunk-" + UUID().uuidString + ".part"
        defer { POSIXFile.removeIfPresent(chunkFile) }
        let received = try await receive(
            request.body, into: chunkFile, prefix: upload.tail,
            limit: min(resumable.maxChunkBytes, upload.length - offset),
            checksum: checksum, declaredLength: declaredLength)
        var next = upload
        next.offset = offset + received
        next.expiresAt = Date().addingTimeInterval(resumable.expiry)
        if received > 0 {
            let staged = try await resumable.store.appendChunk(
                upload.staged, chunkFile: chunkFile, at: offset, isLast: next.isComplete)
            next.update(from: staged)
        }
        guard try await resumable.uploads.advance(next, token: token, keepLease: next.isComplete) else {
            throw APIError(
                .conflict, "upload_busy", "This upload was changed by another request; ask HEAD for its offset.")
        }
        if next.isComplete { return try await complete(next, token: token, scope: scope) }
        return Response(
            status: .noContent,
            headers: [
                TusHeaders.uploadOffset: String(next.offset), TusHeaders.uploadExpires: HTTPDate.format(next.expiresAt),
            ])
    }

    /// Runs `body` while renewing the upload's lease every third of its length, so a slow chunk keeps the upload
    /// however long it takes, and one whose server died frees it within one lease. A renewal that fails (the
    /// database is away) is tried again at the next beat; a lease found lost ends the beats (the body's own
    /// `advance` then answers 409).
    private func holdingLease(id: String, token: String, _ body: () async throws -> Response) async throws -> Response {
        let uploads = resumable.uploads
        let lease = resumable.lease
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while true {
                    try? await Task.sleep(for: .milliseconds(Int(lease * 1000 / 3)))
                    if Task.isCancelled { return }
                    if (try? await uploads.renew(id: id, token: token, until: Date().addingTimeInterval(lease)))
                        == false
                    {
                        return
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Streams the chunk into `path` (after `prefix`, the bytes S3 still holds back), bounded by `limit`, and checks
    /// its checksum. Returns the chunk's length; throws, keeping nothing, if it is too long, cut short or corrupt.
    private func receive(
        _ body: RequestBody, into path: String, prefix: [UInt8], limit: Int, checksum: ChunkChecksum?,
        declaredLength: Int?
    ) async throws -> Int {
        let fd: Int32
        do {
            fd = try POSIXFile.createExclusive(path)
        } catch {
            throw APIError.unavailable("The server cannot write uploads right now; try again shortly.")
        }
        defer { POSIXFile.closeQuietly(fd) }
        var sha256 = SHA256()
        var sha1 = Insecure.SHA1()
        var received = 0
        do {
            try prefix.withUnsafeBytes { try POSIXFile.writeAll(fd, $0) }
            for try await buffer in body {
                received += buffer.readableBytes
                guard received <= resumable.maxChunkBytes else { throw tooLargeChunk() }
                guard received <= limit else {
                    throw APIError.badRequest("The chunk goes past the upload's declared length.")
                }
                try buffer.withUnsafeReadableBytes { bytes in
                    try POSIXFile.writeAll(fd, bytes)
                    switch checksum?.algorithm {
                    case .sha256?: sha256.update(bufferPointer: bytes)
                    case .sha1?: sha1.update(bufferPointer: bytes)
                    case nil: break
                    }
                }
            }
            try POSIXFile.sync(fd)
        } catch let error as POSIXFile.Failure {
            throw APIError.unavailable(
                error.isOutOfSpace ? "The server's disk is full." : "The server cannot write uploads right now.")
        }
        if let declaredLength, received < declaredLength {
            throw APIError.badRequest(
                "The chunk ended after \(received) of its \(declaredLength) bytes; nothing of it was kept.")
        }
        if let checksum {
            let digest: [UInt8] =
                switch checksum.algorithm {
                case .sha256: Array(sha256.finalize())
                case .sha1: Array(sha1.finalize())
                }
            guard digest == checksum.digest else {
                throw APIError(
                    Self.checksumMismatch, "checksum_mismatch",
                    "The chunk does not match its Upload-Checksum; it was not kept.")
            }
        }
        return received
    }

    /// The last chunk is in: inspect the whole file, then record it as `POST /photos` would. A file that can never
    /// become a photo (not an image, too many pixels, not the declared hash) ends the upload; an outage leaves it to
    /// be retried (a `PATCH` at the full offset with an empty body).
    private func complete(_ upload: Upload, token: String, scope: Scope) async throws -> Response {
        let store = resumable.store
        let staged = upload.staged
        let inspected: InspectedFile
        do {
            let box = InspectorBox(UploadInspector(maxPixels: configuration.maxPixels, fileName: upload.fileName))
            try await store.readStaged(staged) { chunk in try box.update(chunk) }
            inspected = try box.finish()
            if let declared = upload.declaredHash, declared != inspected.hash {
                throw APIError(
                    Self.checksumMismatch, "checksum_mismatch",
                    "The file's SHA-256 is not the one declared in Upload-Metadata; the upload was discarded.")
            }
        } catch  where error is APIError || error is IngestError {
            _ = try? await resumable.uploads.delete(id: upload.id)
            await store.discardStaged(staged)
            throw (error as? IngestError).map(APIError.init) ?? error
        }
        let media = self.store
        let outcome = try await ingest.record(
            inspected,
            originalName: upload.fileName.isEmpty ? "photo.\(inspected.header.format.fileExtension)" : upload.fileName,
            albumID: upload.albumID, ownerID: upload.ownerID, addedByLinkID: upload.shareLinkID,
            storeOriginal: { key, contentType in
                try await store.promoteStaged(staged, to: key, contentType: contentType)
            },
            deleteStored: { key in try await media.delete(key) },
            discard: { await store.discardStaged(staged) })
        _ = try await resumable.uploads.delete(id: upload.id)
        logger.info(
            "resumable upload completed", metadata: ["upload.id": "\(upload.id)", "photo.id": "\(outcome.photo.id)"])
        let json =
            scope.guest?.view.json(outcome.photo, revealHash: true) ?? PhotoJSON(outcome.photo, store: self.store)
        var response = JSONResponse.make(json, status: outcome.isNew ? .created : .ok)
        response.headers[.location] =
            scope.guest.map { "\($0.view.basePath)/photos/\(outcome.photo.id)" } ?? "/photos/\(outcome.photo.id)"
        response.headers[TusHeaders.uploadOffset] = String(upload.length)
        return response
    }

    // MARK: Termination

    /// `DELETE /uploads/{id}`: the upload and everything it staged are removed.
    func delete(_ request: Request, _ context: Context, scope: Scope = .site) async throws -> Response {
        if scope.guest == nil { try context.authorizeUpload() }
        let id = try uploadID(context)
        _ = try await find(context, scope: scope, evenIfExpired: true)
        guard let upload = try await resumable.uploads.delete(id: id) else {
            throw APIError.notFound("There is no upload \(id).")
        }
        await resumable.store.discardStaged(upload.staged)
        logger.info("resumable upload terminated", metadata: ["upload.id": "\(id)"])
        return Response(status: .noContent)
    }

    // MARK: Helpers

    private func uploadID(_ context: Context) throws -> String {
        guard let id = context.parameters.get("id"), id.utf8.count == 32,
            id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { throw APIError.notFound("There is no such upload.") }
        return id
    }

    /// The upload the URL names, if the requester may touch it: one created with an account belongs to that account
    /// alone (anyone else is told it does not exist); one created without keeps its URL as its only credential; a
    /// guest's is reached only through its share link, and the link reaches nothing else.
    private func find(_ context: Context, scope: Scope, evenIfExpired: Bool = false) async throws -> Upload {
        let id = try uploadID(context)
        guard let upload = try await resumable.uploads.upload(id: id), upload.shareLinkID == scope.guest?.linkID,
            scope.guest != nil || upload.ownerID == nil || upload.ownerID == context.user?.id
        else {
            throw APIError.notFound("There is no upload \(id).")
        }
        guard evenIfExpired || upload.expiresAt > Date() else {
            throw APIError(.gone, "expired", "This upload has expired; start it again.")
        }
        return upload
    }

    private func tooLargeChunk() -> APIError {
        .tooLarge("A chunk may hold at most \(Formatting.bytes(resumable.maxChunkBytes)); send smaller ones.")
    }
}

/// Lets the store's read callback feed an inspector (the callback runs in order, on one task at a time).
private final class InspectorBox: @unchecked Sendable {
    private var inspector: UploadInspector
    init(_ inspector: UploadInspector) { self.inspector = inspector }
    func update(_ buffer: ByteBuffer) throws { try buffer.withUnsafeReadableBytes { try inspector.update($0) } }
    func finish() throws -> InspectedFile { try inspector.finish() }
}
