import Foundation

/// Where originals and derivatives live: a local folder or an object store, addressed by `MediaKey`.
public protocol MediaStore: Sendable {
    /// Stores the file at `path` under `key`, durably. The file is consumed (moved or deleted).
    /// Returns false when an object with that key already existed (content-addressed keys make that a no-op).
    @discardableResult
    func put(_ key: MediaKey, movingFile path: String, contentType: String) async throws -> Bool

    /// Stores `bytes` under `key`, durably, replacing nothing that is already there.
    func put(_ key: MediaKey, bytes: [UInt8], contentType: String) async throws

    /// Runs `body` with a local file holding the object's bytes (the file itself for a local store,
    /// a temporary copy for a remote one, removed afterwards).
    func withLocalFile<T: Sendable>(_ key: MediaKey, _ body: @Sendable (String) async throws -> T) async throws -> T

    /// The object's size in bytes, or nil when there is no such object.
    func size(of key: MediaKey) async throws -> Int?

    /// Removes the object; removing a missing object is not an error.
    func delete(_ key: MediaKey) async throws

    /// The URL a browser uses to fetch the object.
    func url(for key: MediaKey) -> String

    /// Throws when the store cannot be written or read (for `/readyz` and `app check`).
    func checkHealth() async throws

    /// Calls `body` with the keys of one kind last written before `cutoff`, a page at a time (the sweep's search for
    /// originals no photo refers to).
    func listKeys(
        _ kind: MediaKey.Kind, modifiedBefore cutoff: Date, _ body: @Sendable ([MediaKey]) async throws -> Void
    ) async throws

    /// Removes what uploads in flight leave behind when their process dies (temp files, and on S3 incomplete
    /// multipart uploads), if older than `age` seconds. Returns how many it removed.
    func removeStaleTemporaryFiles(olderThan age: TimeInterval) async throws -> Int

    /// A folder for in-flight upload files, on the same file system as the store where that matters.
    var temporaryDirectory: String { get }
}
