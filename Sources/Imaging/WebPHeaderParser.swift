/// Reads a WebP file's RIFF header and first chunk (`VP8 `, `VP8L` or `VP8X`) for its size, and its `EXIF` chunk
/// when the `VP8X` flags announce one, decoding no pixel.
enum WebPHeaderParser {
    /// Bytes 0-3 of every WebP ("RIFF"); bytes 8-11 must then be "WEBP" (checked by ``matches(_:)``).
    static let riff: [UInt8] = Array("RIFF".utf8)

    /// Chunks beyond this count are garbage; real files have a handful (animations one per frame, below this).
    private static let maxChunks = 100_000

    /// True when `bytes` start like a WebP; nil when they are too short to tell.
    static func matches(_ bytes: [UInt8]) -> Bool? {
        guard bytes.count >= 12 else { return bytes.starts(with: riff.prefix(bytes.count)) ? nil : false }
        return bytes.starts(with: riff) && bytes[8..<12].elementsEqual("WEBP".utf8)
    }

    /// Parses `bytes` (which already start with "RIFF....WEBP"); see ``ImageProbe/probe(_:isComplete:)``.
    static func parse(_ bytes: [UInt8], isComplete: Bool) -> ProbeResult {
        let truncated: ProbeResult =
            isComplete ? .malformed("The WebP file ends before its image header.") : .needMoreData
        guard bytes.count >= 30 else { return truncated }
        let riffEnd = min(8 + Int(uint32le(bytes, 4)), isComplete ? bytes.count : Int.max)
        let chunk = String(decoding: bytes[12..<16], as: UTF8.self)
        let payload = 20
        var width = 0
        var height = 0
        var hasExif = false
        switch chunk {
        case "VP8 ":
            // A key frame's tag (3 bytes), its start code, then 14-bit width and height.
            guard bytes[payload] & 1 == 0, bytes[(payload + 3)..<(payload + 6)].elementsEqual([0x9D, 0x01, 0x2A])
            else { return .malformed("The WebP file's lossy image header is damaged.") }
            width = Int(uint16le(bytes, payload + 6) & 0x3FFF)
            height = Int(uint16le(bytes, payload + 8) & 0x3FFF)
        case "VP8L":
            guard bytes[payload] == 0x2F else { return .malformed("The WebP file's lossless image header is damaged.") }
            let bits = uint32le(bytes, payload + 1)
            width = Int(bits & 0x3FFF) + 1
            height = Int((bits >> 14) & 0x3FFF) + 1
        case "VP8X":
            let flags = bytes[payload]
            hasExif = flags & 0x08 != 0
            width = Int(uint24le(bytes, payload + 4)) + 1
            height = Int(uint24le(bytes, payload + 7)) + 1
        default:
            return .malformed("The WebP file does not start with an image chunk.")
        }
        guard width > 0, height > 0 else { return .malformed("The WebP header has a zero width or height.") }
        var exif: ExifMetadata?
        if hasExif {
            switch findExif(bytes, riffEnd: riffEnd, isComplete: isComplete) {
            case .found(let tiff): exif = ExifMetadata(tiff: tiff)
            case .needMoreData: return .needMoreData
            case .absent: break
            }
        }
        return .image(
            ImageHeader(
                format: .webp, width: width, height: height, orientation: exif?.orientation ?? 1,
                captureDate: exif?.captureDate, captureOffset: exif?.captureOffset, cameraMake: exif?.cameraMake,
                cameraModel: exif?.cameraModel))
    }

    private enum ExifSearch {
        case found(ArraySlice<UInt8>)
        case needMoreData
        case absent
    }

    /// Walks the chunks for `EXIF` (usually the last one, after the image data).
    private static func findExif(_ bytes: [UInt8], riffEnd: Int, isComplete: Bool) -> ExifSearch {
        var position = 12
        for _ in 0..<maxChunks {
            guard position + 8 <= riffEnd else { return .absent }
            guard position + 8 <= bytes.count else {
                return !isComplete && position + 8 <= ImageProbe.metadataReach ? .needMoreData : .absent
            }
            let size = Int(uint32le(bytes, position + 4))
            let start = position + 8
            if bytes[position..<(position + 4)].elementsEqual("EXIF".utf8) {
                guard start + size <= bytes.count else {
                    return !isComplete && start + size <= ImageProbe.metadataReach ? .needMoreData : .absent
                }
                var tiff = bytes[start..<(start + size)]
                // Some writers keep the JPEG APP1 "Exif\0\0" prefix; the specification says TIFF directly.
                if tiff.starts(with: [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]) { tiff = tiff.dropFirst(6) }
                return .found(tiff)
            }
            position = start + size + (size & 1)
        }
        return .absent
    }

    private static func uint32le(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    private static func uint24le(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
    }

    private static func uint16le(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }
}
