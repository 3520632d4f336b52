import NIOCore

/// Where a resumable upload's bytes wait until the upload is complete: storage-specific state that the caller
/// persists (in the database) between chunks, so any app server can take the next one.
public struct StagedUpload: Sendable, Equatable {
    public var id: String
    /// Local store: the file the chunks are appended to.
    public var tempPath: String?
    /// S3: the multipart upload the chunks become parts of (nil once it is completed into the staging object).
    public var multipartID: String?
    /// S3: the ETags of the parts sent so far, in order.
    public var partETags: [String]
    /// S3: bytes received but not yet sent, below the part minimum; the next chunk is sent after them.
    public var tail: [UInt8]

    public init(
        id: String, tempPath: String? = nil, multipartID: String? = nil, partETags: [String] = [], tail: [UInt8] = []
    ) {
        self.id = id
        self.tempPath = tempPath
        self.multipartID = multipartID
        self.partETags = partETags
        self.tail = tail
    }
}

/// A store that can assemble an upload from chunks arriving over many requests (tus): a local temp file, or an S3
/// multipart upload. The seam beside `MediaStore` that resumable uploads need.
public protocol ResumableUploadStore: Sendable {
    /// Starts the staging area for a new upload.
    func beginStaging(id: String) async throws -> StagedUpload

    /// Adds one verified chunk at `offset`. `chunkFile` holds `staged.tail` followed by the chunk's bytes and is
    /// consumed. Writing the same chunk again at the same offset is harmless (a retry after a lost answer).
    /// With `isLast` the upload is assembled into one object that `readStaged` and `promoteStaged` work on.
    func appendChunk(_ staged: StagedUpload, chunkFile: String, at offset: Int, isLast: Bool) async throws
        -> StagedUpload

    /// Streams the assembled bytes to `body`, in order (for the hash and the type check at completion).
    func readStaged(_ staged: StagedUpload, _ body: @Sendable (ByteBuffer) throws -> Void) async throws

    /// Moves the assembled bytes to `key`; false when an object with that key already existed (the staged bytes
    /// are removed either way).
    func promoteStaged(_ staged: StagedUpload, to key: MediaKey, contentType: String) async throws -> Bool

    /// Removes everything the upload staged (best effort; the sweep retries what fails).
    func discardStaged(_ staged: StagedUpload) async

    /// A folder for the chunk being received, on the same file system as the staging area where that matters.
    var temporaryDirectory: String { get }
}
