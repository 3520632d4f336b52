import Crypto
import NIOCore

/// SHA-256 of one chunk, as a tus client sends it in `Upload-Checksum` (`app import --server`).
public enum ChunkDigest {
    public static func sha256(_ buffer: ByteBuffer) -> [UInt8] {
        buffer.withUnsafeReadableBytes { Array(SHA256.hash(data: $0)) }
    }
}
