import Crypto
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A byte range of a file on disk: a whole small upload or one multipart part, read in chunks and never whole.
struct FileRegion: Sendable {
    var path: String
    var offset: Int
    var length: Int

    /// Chunk size for reading: large enough that the thread-pool hop per chunk is noise, small enough to stay bounded.
    static let chunkSize = 1024 * 1024

    /// The region's bytes as an async sequence of buffers, each read on the thread pool when the sender wants it.
    func chunks(threadPool: NIOThreadPool) -> Chunks {
        Chunks(region: self, threadPool: threadPool)
    }

    /// Hex SHA-256 of the region, in one streamed pass on the thread pool.
    func sha256(threadPool: NIOThreadPool) async throws -> String {
        let region = self
        return try await threadPool.runIfActive {
            var hasher = SHA256()
            var offset = region.offset
            let end = region.offset + region.length
            while offset < end {
                let chunk = try region.read(at: offset, count: min(Self.chunkSize, end - offset))
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                offset += chunk.readableBytes
            }
            return Hex.encode(hasher.finalize())
        }
    }

    /// Reads exactly `count` bytes at `offset` (blocking; call on the thread pool). A file that shrank is an error.
    func read(at offset: Int, count: Int) throws -> ByteBuffer {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXFile.Failure(operation: "open", code: errno) }
        defer { POSIXFile.closeQuietly(fd) }
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
            var done = 0
            while done < count {
                let n = pread(fd, pointer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw POSIXFile.Failure(operation: "read", code: errno)
                }
                if n == 0 { throw POSIXFile.Failure(operation: "read (file shorter than expected)", code: EIO) }
                done += n
            }
            return count
        }
        return buffer
    }

    /// The region as `ByteBuffer`s of at most `FileRegion.chunkSize` bytes.
    struct Chunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let region: FileRegion
        let threadPool: NIOThreadPool

        func makeAsyncIterator() -> Iterator {
            Iterator(region: region, threadPool: threadPool, offset: region.offset)
        }

        /// Opens the file per chunk, so an abandoned iteration (a failed or cancelled request) leaks no descriptor.
        struct Iterator: AsyncIteratorProtocol {
            let region: FileRegion
            let threadPool: NIOThreadPool
            var offset: Int

            mutating func next() async throws -> ByteBuffer? {
                let end = region.offset + region.length
                guard offset < end else { return nil }
                let count = Swift.min(FileRegion.chunkSize, end - offset)
                let (region, at) = (self.region, offset)
                let chunk = try await threadPool.runIfActive { try region.read(at: at, count: count) }
                offset += count
                return chunk
            }
        }
    }
}
