import Database
import Foundation
import Hummingbird
import Logging
import NIOCore
import Storage

/// Originals (an album's, or a selection's) as a ZIP streamed while it is read: each original goes from the store to the response in
/// chunks, with its CRC computed on the way, so neither the archive nor a copy of the album is ever on disk or in memory.
struct AlbumArchive: Sendable {
    let photos: [Photo]
    let store: any MediaStore
    let logger: Logger

    static let chunkSize = 256 * 1024

    /// Unique, path-free entry names: the uploader's file names, `name (2).jpg` on a clash.
    static func entryNames(for photos: [Photo]) -> [String] {
        var used: Set<String> = []
        return photos.map { photo in
            let cleaned = photo.originalName
                .map { $0 == "/" || $0 == "\\" || $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true ? "_" : $0 }
            var base = String(cleaned).trimmingCharacters(in: .whitespaces)
            if base.isEmpty || base == "." || base == ".." { base = "photo-\(photo.id).\(photo.originalExtension)" }
            var name = base
            var counter = 2
            while used.contains(name.lowercased()) {
                let stem = (base as NSString).deletingPathExtension
                let ext = (base as NSString).pathExtension
                name = ext.isEmpty ? "\(stem) (\(counter))" : "\(stem) (\(counter)).\(ext)"
                counter += 1
            }
            used.insert(name.lowercased())
            return name
        }
    }

    /// The response body: entries in album order, then the central directory.
    var body: ResponseBody {
        let photos = self.photos
        let store = self.store
        let logger = self.logger
        return ResponseBody { writer in
            let output = WriterBox(writer)
            var archive = ZipStreamWriter()
            for (photo, name) in zip(photos, Self.entryNames(for: photos)) {
                let key = MediaKey(kind: .original, hash: photo.hash, fileExtension: photo.originalExtension)
                try await output.write(
                    archive.beginEntry(
                        name: name, expectedSize: UInt64(photo.bytes), modified: photo.createdAt))
                let (crc, size) = try await store.withLocalFile(key) { path in try await Self.copy(path, to: output) }
                try await output.write(archive.endEntry(crc: crc, size: size))
            }
            try await output.write(archive.finish())
            logger.info(
                "album archive sent",
                metadata: ["archive.entries": "\(photos.count)", "archive.bytes": "\(archive.offset)"])
            writer = output.writer
            try await writer.finish(nil)
        }
    }

    /// Streams one file to the response in chunks; returns its CRC-32 and length.
    private static func copy(_ path: String, to output: WriterBox) async throws -> (UInt32, UInt64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StorageError(.notFound, "an original of the album cannot be read")
        }
        defer { try? handle.close() }
        var crc = ZipCRC32()
        var size: UInt64 = 0
        while true {
            let data = try handle.read(upToCount: chunkSize) ?? Data()
            if data.isEmpty { break }
            data.withUnsafeBytes { crc.update($0) }
            size += UInt64(data.count)
            try await output.write(ByteBuffer(bytes: data))
        }
        return (crc.value, size)
    }
}

/// Hands the response writer into `MediaStore.withLocalFile`'s `@Sendable` body. Safe because only the one task that
/// runs the response body ever touches it, strictly one write after another.
private final class WriterBox: @unchecked Sendable {
    var writer: any ResponseBodyWriter

    init(_ writer: any ResponseBodyWriter) {
        self.writer = writer
    }

    func write(_ bytes: [UInt8]) async throws {
        try await write(ByteBuffer(bytes: bytes))
    }

    func write(_ buffer: ByteBuffer) async throws {
        try await writer.write(buffer)
    }
}
