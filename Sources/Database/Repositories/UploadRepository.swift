import Foundation

/// Where resumable uploads in progress are recorded. The lease makes chunks of one upload strictly sequential across
/// every app server: a PATCH claims it, writes, then records the new offset and releases it in one statement.
public protocol UploadRepository: Sendable {
    func create(_ upload: Upload) async throws
    func upload(id: String) async throws -> Upload?
    /// Takes the upload's lease (until `until`) if it exists, has not expired, is at `offset` and no live lease holds it.
    func claim(id: String, offset: Int, token: String, until: Date, now: Date) async throws -> UploadClaim
    /// Records a stored chunk (offset, storage state, expiry) if `token` still holds the lease; releases the lease
    /// unless `keepLease` (a completed upload keeps it while it becomes a photo). False when the lease was lost.
    func advance(_ upload: Upload, token: String, keepLease: Bool) async throws -> Bool
    /// Extends the lease to `until` while `token` still holds it (a long chunk's heartbeat). False when it was lost.
    func renew(id: String, token: String, until: Date) async throws -> Bool
    /// Gives the lease back without changes (a failed or refused chunk).
    func release(id: String, token: String) async throws
    /// Removes the row; returns it so its stored bytes can be removed too.
    func delete(id: String) async throws -> Upload?
    /// Uploads whose expiry has passed (the sweep's work), oldest first.
    func expired(now: Date, limit: Int) async throws -> [Upload]
}
