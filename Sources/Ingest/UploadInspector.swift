import Crypto
import Foundation
import Imaging
import Storage

/// Looks at an upload's bytes as they go by: its SHA-256, and its type and size from the header, checked against the
/// pixel limit as soon as the header has been read, so a wrong or oversized file is refused mid-stream (DESIGN §5).
/// The one place every way in (a form, a tus upload, `app import`) sniffs and hashes a file.
public struct UploadInspector: Sendable {
    /// How much of a file's start the probe may see before it must have found the image's size.
    public static let probeLimit = ImageProbe.metadataReach
    /// Bytes gathered before the first probe. The probe starts again from the first byte each time, and request
    /// bodies arrive in chunks of a few kilobytes at first, so probing every chunk would read a phone photo's
    /// header (EXIF up to 64 KiB, then ICC and tables) several times; 256 KiB holds the whole header of every
    /// usual photo, so it is read once. A larger header is probed again each time the prefix has doubled.
    static let firstProbeBytes = 256 * 1024

    let maxPixels: Int
    /// The file's name for messages ("The file" when unknown).
    let name: String
    private var hasher = SHA256()
    public private(set) var bytes = 0
    private var prefix: [UInt8] = []
    /// The prefix length at which to probe next.
    private var nextProbe = Self.firstProbeBytes
    public private(set) var header: ImageHeader?

    public init(maxPixels: Int, fileName: String) {
        self.maxPixels = maxPixels
        self.name = fileName.isEmpty ? "The file" : "\u{201C}\(fileName)\u{201D}"
    }

    /// Takes the next bytes; throws an ``IngestError`` (too large, unsupported type) as soon as they show the file
    /// cannot be accepted.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) throws {
        hasher.update(bufferPointer: buffer)
        bytes += buffer.count
        guard header == nil else { return }
        let room = Self.probeLimit - prefix.count
        if room > 0 { prefix.append(contentsOf: buffer.prefix(room)) }
        if prefix.count >= nextProbe || prefix.count >= Self.probeLimit { try probe(isComplete: false) }
    }

    /// The inspection of the whole file: its hash and header; throws if the bytes never showed an accepted format.
    public mutating func finish() throws -> InspectedFile {
        if header == nil { try probe(isComplete: true) }
        guard let header else {
            throw IngestError(.unsupportedType, "\(name) is not a \(ImageFormat.acceptedList) image.")
        }
        return InspectedFile(hash: Hex.encode(hasher.finalize()), bytes: bytes, header: header)
    }

    private mutating func probe(isComplete: Bool) throws {
        switch ImageProbe.probe(prefix, isComplete: isComplete) {
        case .needMoreData:
            if isComplete || prefix.count >= Self.probeLimit {
                throw IngestError(
                    .unsupportedType,
                    "\(name) is not a readable \(ImageFormat.acceptedList) image: its size could not be found.")
            }
            nextProbe = min(prefix.count * 2, Self.probeLimit)
        case .notAnImage: throw IngestError(.unsupportedType, "\(name) is not a \(ImageFormat.acceptedList) image.")
        case .malformed(let reason):
            throw IngestError(
                .unsupportedType, "\(name) is not a readable \(ImageFormat.acceptedList) image: \(reason)")
        case .image(let found):
            guard found.pixelCount <= maxPixels else {
                let megapixels = Double(found.pixelCount) / 1_000_000
                let limit = Double(maxPixels) / 1_000_000
                throw IngestError(
                    .tooLarge,
                    "\(name) is \(found.width)×\(found.height) pixels (\(String(format: "%.1f", megapixels)) MP); the limit is \(String(format: "%.1f", limit)) MP."
                )
            }
            header = found
            prefix = []
        }
    }
}
