import NIOCore
import NIOPosix

/// Reading a whole file as a stream of buffers, for callers outside this module (hashing and sniffing a file).
public enum FileStream {
    /// Calls `body` with the file's bytes in order, 1 MiB at a time, each read on the thread pool; never whole.
    public static func read(
        _ path: String, threadPool: NIOThreadPool = .singleton, _ body: (ByteBuffer) throws -> Void
    ) async throws {
        do {
            guard let length = try POSIXFile.size(path) else {
                throw StorageError(.notFound, "the file to read is missing")
            }
            for try await chunk in FileRegion(path: path, offset: 0, length: length).chunks(threadPool: threadPool) {
                try body(chunk)
            }
        } catch let error as POSIXFile.Failure {
            throw StorageError(.unavailable, "cannot read the file (\(error))", underlying: error)
        }
    }
}
