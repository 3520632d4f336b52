import Crypto
import Foundation
import Imaging

/// Looks at an upload's bytes as they go by: its SHA-256, and its type and size from the header, checked against the
/// pixel limit as soon as the header has been seen, so a wrong or oversized file is refused mid-stream (DESIGN §5).
/// The one place every way in (a form, a tus upload, `app import`) sniffs and hashes a file.
public struct UploadInspector: Sendable {
    /// How much of a file's start the probe may see before it must have found the image's size.
    public static let probeLimit = 4 * 1024 * 1024

    let maxPixels: Int
    /// The file's name for messages ("The file" when unknown).
    let name: String
    private var hasher = SHA256()
    public private(set) var bytes = 0
    private var prefix: [UInt8] = []
    public private(set) var header: ImageHeader?

    public init(maxPixels: Int, fileName: String) {
        self.maxPixels = maxPixels
        self.name = fileName.isEmpty ? "The file" : "\u{201C}\(fileName)\u{201D}"
    }

    /// Takes the next bytes; throws a 413 or 415 `APIError` as soon as they show the file cannot be accepted.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) throws {
        hasher.update(bufferPointer: buffer)
        bytes += buffer.count
        if header == nil {
            let room = Self.probeLimit - prefix.count
            if room > 0 { prefix.append(contentsOf: buffer.prefix(room)) }
            try probe(isComplete: false)
        }
    }

    /// The inspection of the whole file: its hash and header; throws if the bytes never showed a JPEG or PNG.
    public mutating func finish() throws -> InspectedFile {
        if header == nil { try probe(isComplete: true) }
        guard let header else { throw APIError.unsupportedType("\(name) is not a JPEG or PNG image.") }
        return InspectedFile(hash: Hex.encode(hasher.finalize()), bytes: bytes, header: header)
    }

    private mutating func probe(isComplete: Bool) throws {
        switch ImageProbe.probe(prefix, isComplete: isComplete) {
        case .needMoreData:
            if isComplete || prefix.count >= Self.probeLimit {
                throw APIError.unsupportedType("\(name) is not a readable JPEG or PNG image: its size could not be found.")
            }
        case .notAnImage:
            throw APIError.unsupportedType("\(name) is not a JPEG or PNG image.")
        case .malformed(let reason):
            throw APIError.unsupportedType("\(name) is not a readable JPEG or PNG image: \(reason)")
        case .image(let found):
            guard found.pixelCount <= maxPixels else {
                let megapixels = Double(found.pixelCount) / 1_000_000
                let limit = Double(maxPixels) / 1_000_000
                throw APIError.tooLarge(
                    "\(name) is \(found.width)×\(found.height) pixels (\(String(format: "%.1f", megapixels)) MP); the limit is \(String(format: "%.1f", limit)) MP.")
            }
            header = found
            prefix = []
        }
    }
}

/// What inspection found: the content hash, the size and the image header.
public struct InspectedFile: Sendable {
    public var hash: String
    public var bytes: Int
    public var header: ImageHeader
}
