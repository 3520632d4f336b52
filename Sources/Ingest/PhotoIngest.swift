import Database
import Foundation
import Imaging
import Jobs
import Logging
import Metrics
import Storage
import Tracing

#if canImport(Glibc)
    import Glibc
#endif

/// The steps that finish every upload, whichever way it came (a form, a tus upload, `app import`): once the bytes
/// are inspected (type sniffed, pixel limit, SHA-256), deduplicate by hash, store the original under
/// `original/<hash>.<ext>`, insert the photo and its job in one transaction, and wake the worker (DESIGN §5).
public struct PhotoIngest: Sendable {
    public let database: any SQLDatabase
    public let photos: any PhotoRepository
    public let queue: any JobQueue
    public let wake: WakeSignal
    public let maxJobAttempts: Int
    public let logger: Logger

    public init(
        database: any SQLDatabase, photos: any PhotoRepository, queue: any JobQueue, wake: WakeSignal,
        maxJobAttempts: Int, logger: Logger
    ) {
        self.database = database
        self.photos = photos
        self.queue = queue
        self.wake = wake
        self.maxJobAttempts = maxJobAttempts
        self.logger = logger
    }

    /// Records one inspected file. `storeOriginal` puts its bytes under the key (returning false when the object
    /// was already there); `discard` removes the bytes when they are not needed (a duplicate).
    /// A duplicate answers with the photo that has those bytes, with no new job; a photo in the trash is restored.
    public func record(
        _ file: InspectedFile, originalName: String, albumID: Int64?, ownerID: Int64? = nil,
        addedByLinkID: Int64? = nil,
        storeOriginal: @Sendable (MediaKey, _ contentType: String) async throws -> Bool,
        deleteStored: @Sendable (MediaKey) async throws -> Void,
        discard: @Sendable () async -> Void
    ) async throws -> InsertOutcome {
        let format = file.header.format
        let new = NewPhoto(
            hash: file.hash, originalName: originalName, contentType: format.contentType, bytes: file.bytes,
            width: file.header.orientedWidth, height: file.header.orientedHeight, orientation: file.header.orientation,
            capturedAt: file.header.captureDate, capturedOffset: file.header.captureOffset,
            camera: Camera(make: file.header.cameraMake, model: file.header.cameraModel), albumID: albumID,
            ownerID: ownerID, addedByLinkID: addedByLinkID)
        if let existing = try await photos.photo(hash: file.hash) {
            // Into an album the same bytes join it, without a copy, and a trashed photo comes back, with no new job.
            let photos = self.photos
            let found =
                albumID == nil && existing.trashedAt == nil
                ? existing : try await database.transaction { try await photos.rejoin(new, in: $0) }
            if let found {
                await discard()
                Counter(label: "memories_uploads_total", dimensions: [("outcome", "duplicate")]).increment()
                return .existing(found)
            }
            // Purged since the look-up: these bytes are a new photo again, stored and recorded below.
        }
        let key = MediaKey(kind: .original, hash: file.hash, fileExtension: format.fileExtension)
        let created = try await withSpan("storage.put", ofKind: .client) { span in
            span.attributes["media.kind"] = "original"
            span.attributes["media.bytes"] = file.bytes
            return try await storeOriginal(key, format.contentType)
        }
        do {
            let outcome = try await UploadRecorder(
                database: database, photos: photos, queue: queue, maxJobAttempts: maxJobAttempts
            ).record(new)
            if outcome.isNew {
                logger.info(
                    "photo uploaded", metadata: ["photo.id": "\(outcome.photo.id)", "photo.bytes": "\(file.bytes)"])
                wake.notify()
            }
            Counter(label: "memories_uploads_total", dimensions: [("outcome", outcome.isNew ? "created" : "duplicate")])
                .increment()
            return outcome
        } catch {
            // Remove the file we just stored unless a row points at it: the insert may have committed before the
            // connection failed. When the database cannot say, the file stays; the worker's sweep removes it after
            // a day if no photo has its hash by then.
            if created, (try? await photos.photo(hash: file.hash)) == .some(nil) {
                try? await deleteStored(key)
            }
            throw error
        }
    }

    /// Records a whole file on this machine (`app import`, a finished local upload): the file is inspected, then
    /// moved into the store, or removed when its bytes are already a photo.
    public func record(
        file path: String, originalName: String, albumID: Int64?, ownerID: Int64? = nil, maxPixels: Int,
        store: any MediaStore, consume: Bool
    ) async throws -> InsertOutcome {
        let inspected = try await Self.inspect(file: path, fileName: originalName, maxPixels: maxPixels)
        return try await record(
            inspected, originalName: originalName, albumID: albumID, ownerID: ownerID,
            storeOriginal: { key, contentType in
                if consume { return try await store.put(key, movingFile: path, contentType: contentType) }
                // Leave the caller's file alone: put a temporary hard link (or copy) in the store's temp folder.
                let staged = store.temporaryDirectory + "/import-" + UUID().uuidString + ".part"
                try Self.linkOrCopy(path, to: staged)
                do {
                    return try await store.put(key, movingFile: staged, contentType: contentType)
                } catch {
                    POSIXFile.removeIfPresent(staged)
                    throw error
                }
            },
            deleteStored: { key in try await store.delete(key) },
            discard: { if consume { POSIXFile.removeIfPresent(path) } })
    }

    /// Reads a file once: its hash, type and header, refused as an upload would be.
    public static func inspect(file path: String, fileName: String, maxPixels: Int) async throws -> InspectedFile {
        var inspector = UploadInspector(maxPixels: maxPixels, fileName: fileName)
        try await FileStream.read(path) { chunk in try chunk.withUnsafeReadableBytes { try inspector.update($0) } }
        return try inspector.finish()
    }

    /// Hard-links `source` to `destination`, or copies it where a link cannot be made (another file system).
    static func linkOrCopy(_ source: String, to destination: String) throws {
        if link(source, destination) == 0 { return }
        do {
            try FileManager.default.copyItem(atPath: source, toPath: destination)
        } catch {
            throw IngestError(
                .unavailable, "Cannot copy the file into the store's temp folder (\(error.localizedDescription)).")
        }
    }
}
