import Database
import Storage

/// The bridge between an upload's row and its storage-side state.
extension Upload {
    /// The storage-side view of this upload's state.
    public var staged: StagedUpload {
        StagedUpload(id: id, tempPath: tempPath, multipartID: s3UploadID, partETags: partETags, tail: tail)
    }

    /// Takes the storage-side state after a chunk was stored.
    public mutating func update(from staged: StagedUpload) {
        tempPath = staged.tempPath
        s3UploadID = staged.multipartID
        partETags = staged.partETags
        tail = staged.tail
    }
}
