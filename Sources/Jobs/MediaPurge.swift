import Database
import Logging
import Storage

/// Removes the files of purged photos, on whichever store holds them. It runs after the rows are deleted, so no row
/// ever points at a removed file; a hash some photo has again by then (the same bytes uploaded meanwhile) keeps its
/// files. A file that cannot be removed is logged and left: an orphan costs storage, never a photo (the sweep removes
/// orphan originals after a day).
public struct MediaPurge: Sendable {
    let photos: any PhotoRepository
    let store: any MediaStore
    let logger: Logger

    public init(photos: any PhotoRepository, store: any MediaStore, logger: Logger) {
        self.photos = photos
        self.store = store
        self.logger = logger
    }

    /// Every file a photo may have: its original, and the display image and thumbnail in each format the worker
    /// writes (JPEG, or PNG for transparency, and the WebP twins).
    public static func keys(of photo: Photo) -> [MediaKey] {
        var keys = [MediaKey(kind: .original, hash: photo.hash, fileExtension: photo.originalExtension)]
        for kind in [MediaKey.Kind.display, .thumbnail] {
            for ext in ["jpg", "png", "webp"] {
                keys.append(MediaKey(kind: kind, hash: photo.hash, fileExtension: ext))
            }
        }
        return keys
    }

    /// Removes the files of `purged` (rows already deleted) whose hash no photo has; returns how many files failed.
    @discardableResult
    public func removeFiles(of purged: [Photo]) async -> Int {
        guard !purged.isEmpty else { return 0 }
        let reused: Set<String>
        do {
            reused = try await photos.existingHashes(purged.map(\.hash))
        } catch {
            // Cannot tell whether the bytes came back: keep the files (the orphan sweep decides later).
            logger.error("purge could not check for re-uploaded photos; files kept", metadata: ["error": "\(error)"])
            return purged.count
        }
        var failures = 0
        for photo in purged where !reused.contains(photo.hash) {
            // Derivatives first: should the original's removal fail, the orphan sweep still finds it.
            for key in Self.keys(of: photo).reversed() {
                do {
                    try await store.delete(key)
                } catch {
                    failures += 1
                    logger.error(
                        "deleting a media file failed",
                        metadata: ["photo.id": "\(photo.id)", "media.key": "\(key)", "error": "\(error)"])
                }
            }
        }
        return failures
    }
}
