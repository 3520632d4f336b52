import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Resumable uploads on the local store: chunks are appended to one file under `.tmp/resumable/`, fsynced before
/// the chunk is acknowledged; at completion the file is moved into place like any upload.
extension LocalStore: ResumableUploadStore {
    /// Apart from `.tmp` itself, whose files the start-up clean-up removes after an hour: a paused upload may wait a day.
    var resumableDirectory: String { temporaryDirectory + "/resumable" }

    public func beginStaging(id: String) async throws -> StagedUpload {
        let path = resumableDirectory + "/" + id + ".upload"
        let folder = resumableDirectory
        try await run(fullDisk: .unavailable) {
            try POSIXFile.makeDirectories(folder)
            POSIXFile.closeQuietly(try POSIXFile.createExclusive(path))
        }
        return StagedUpload(id: id, tempPath: path)
    }

    public func appendChunk(_ staged: StagedUpload, chunkFile: String, at offset: Int, isLast: Bool) async throws
        -> StagedUpload
    {
        guard let path = staged.tempPath else { throw StorageError(.notFound, "the upload has no staging file") }
        try await run(fullDisk: .unavailable) {
            defer { POSIXFile.removeIfPresent(chunkFile) }
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw POSIXFile.Failure(operation: "open", code: errno) }
            defer { POSIXFile.closeQuietly(fd) }
            // Cut back to the recorded offset first: bytes past it are from a chunk whose answer was lost.
            guard ftruncate(fd, off_t(offset)) == 0 else {
                throw POSIXFile.Failure(operation: "ftruncate", code: errno)
            }
            guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else {
                throw POSIXFile.Failure(operation: "lseek", code: errno)
            }
            let length = try POSIXFile.size(chunkFile) ?? 0
            let region = FileRegion(path: chunkFile, offset: 0, length: length)
            var done = 0
            while done < length {
                let piece = try region.read(at: done, count: min(FileRegion.chunkSize, length - done))
                try piece.withUnsafeReadableBytes { try POSIXFile.writeAll(fd, $0) }
                done += piece.readableBytes
            }
            try POSIXFile.sync(fd)
        }
        return staged
    }

    public func readStaged(_ staged: StagedUpload, _ body: @Sendable (ByteBuffer) throws -> Void) async throws {
        guard let path = staged.tempPath else { throw StorageError(.notFound, "the upload has no staging file") }
        guard let length = try await run(fullDisk: .unavailable, { try POSIXFile.size(path) }) else {
            throw StorageError(.notFound, "the upload's staging file is missing")
        }
        let region = FileRegion(path: path, offset: 0, length: length)
        do {
            for try await chunk in region.chunks(threadPool: threadPool) { try body(chunk) }
        } catch let error as POSIXFile.Failure {
            throw StorageError(.unavailable, "cannot read the upload (\(error))", underlying: error)
        }
    }

    public func promoteStaged(_ staged: StagedUpload, to key: MediaKey, contentType: String) async throws -> Bool {
        guard let path = staged.tempPath else { throw StorageError(.notFound, "the upload has no staging file") }
        return try await put(key, movingFile: path, contentType: contentType)
    }

    public func discardStaged(_ staged: StagedUpload) async {
        if let path = staged.tempPath { POSIXFile.removeIfPresent(path) }
    }
}
