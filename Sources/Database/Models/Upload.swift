import Foundation

/// One resumable (tus) upload in progress: how far it has come and where its bytes wait, kept in the database so
/// any app server can take its next chunk.
public struct Upload: Sendable, Equatable {
    /// 32 random hex digits; the upload's URL is `/uploads/<id>`.
    public var id: String
    /// The whole file's size, declared at creation (`Upload-Length`).
    public var length: Int
    /// Bytes received and stored so far (`Upload-Offset`).
    public var offset: Int
    /// The client's file name (text, never a path).
    public var fileName: String
    /// The SHA-256 (hex) the client declared for the whole file, checked at completion.
    public var declaredHash: String?
    public var albumID: Int64?
    /// The user who created it, the only one who may continue, inspect or cancel it; nil when made with no account.
    public var ownerID: Int64?
    /// The share link a guest created it through; only that link reaches it.
    public var shareLinkID: Int64?
    /// Local store: the temp file the chunks are appended to.
    public var tempPath: String?
    /// S3: the multipart upload the chunks become parts of, and the ETags of the parts sent so far.
    public var s3UploadID: String?
    public var partETags: [String]
    /// S3: bytes received but not yet sent as a part (below the 5 MB part minimum).
    public var tail: [UInt8]
    public var expiresAt: Date
    public var createdAt: Date

    public init(
        id: String, length: Int, offset: Int = 0, fileName: String, declaredHash: String? = nil, albumID: Int64? = nil,
        ownerID: Int64? = nil, tempPath: String? = nil, s3UploadID: String? = nil, partETags: [String] = [],
        tail: [UInt8] = [],
        expiresAt: Date, createdAt: Date = Date(), shareLinkID: Int64? = nil
    ) {
        self.id = id
        self.length = length
        self.offset = offset
        self.fileName = fileName
        self.declaredHash = declaredHash
        self.albumID = albumID
        self.ownerID = ownerID
        self.shareLinkID = shareLinkID
        self.tempPath = tempPath
        self.s3UploadID = s3UploadID
        self.partETags = partETags
        self.tail = tail
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }

    public var isComplete: Bool { offset == length }
}

/// The answer to "may this PATCH write at this offset now?".
public enum UploadClaim: Sendable, Equatable {
    /// The lease is this request's until it records the chunk or releases it.
    case claimed(Upload)
    case notFound
    case expired
    /// The client's offset is not the upload's (the current one is given).
    case offsetMismatch(current: Int)
    /// Another request is writing to this upload right now.
    case busy
}
