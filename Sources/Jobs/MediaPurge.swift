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
    ///
    /// The same bytes uploaded again while this runs make a new row that reuses the stored original, so whether a
    /// hash is still unused is asked again for each photo just before its original goes: derivatives first (a new
    /// row's job makes them again), then the check, then the original. The window left is one query and one delete.
    @discardableResult
    public func removeFiles(of purged: [Photo]) async -> Int {
        guard !purged.isEmpty else { return 0 }
        var failures = 0
        for photo in purged {
            guard await isUnused(photo) else { continue }
            let keys = Self.keys(of: photo)
            for key in keys.dropFirst().reversed() { failures += await delete(key, of: photo) ? 0 : 1 }
            guard await isUnused(photo) else { continue }
            failures += await delete(keys[0], of: photo) ? 0 : 1
        }
        return failures
    }

    /// Whether no photo has `photo`'s hash now; false (keep the files, the orphan sweep decides later) when the
    /// database cannot say.
    private func isUnused(_ photo: Photo) async -> Bool {
        do {
            return try await photos.existingHashes([photo.hash]).isEmpty
        } catch {
            logger.error(
                "purge could not check for a re-uploaded photo; files kept",
                metadata: ["photo.id": "\(photo.id)", "error": "\(error)"])
            return false
        }
    }

    private func delete(_ key: MediaKey, of photo: Photo) async -> Bool {
        do {
            try await store.delete(key)
            return true
        } catch {
            logger.error(
                "deleting a media file failed",
                metadata: ["photo.id": "\(photo.id)", "media.key": "\(key)", "error": "\(error)"])
            return false
        }
    }
}
