import Crypto
import NIOCore

/// SHA-256 of one buffer, for clients of the tus endpoints (`app import --server` sends it as `Upload-Checksum`).
public enum ChunkDigest {
    public static func sha256(_ buffer: ByteBuffer) -> [UInt8] {
        buffer.withUnsafeReadableBytes { Array(SHA256.hash(data: $0)) }
    }
}
