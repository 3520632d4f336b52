/// Reads the ISO base media boxes of a HEIF or AVIF file (`ftyp`, then `meta`: `pitm`, `iinf`, `iloc`, `iprp`) to
/// find the primary image's size, as shown after its `irot` and `clap`, and the EXIF item, decoding no pixel.
enum HEIFHeaderParser {
    /// `ftyp` brands of HEIF still images and sequences (HEVC or generic).
    static let heifBrands: Set<String> = ["heic", "heix", "heim", "heis", "mif1", "msf1"]
    /// `ftyp` brands of AVIF images and sequences.
    static let avifBrands: Set<String> = ["avif", "avis"]

    /// Boxes (and items, properties) beyond this count are garbage; real files have a few dozen.
    private static let maxEntries = 10_000

    /// The format named by an `ftyp` box at the start of `bytes`: AVIF when an AVIF brand is major or compatible
    /// (a generic `mif1` file holding AV1), HEIF for the HEIF brands; nil otherwise, or when the `ftyp` box has not
    /// wholly arrived (then `isComplete` false means: ask for more).
    /// `allowPartial` reads the brands that are there instead.
    static func sniff(_ bytes: [UInt8], allowPartial: Bool = false) -> ImageFormat? {
        guard bytes.count >= 12, fourCC(bytes, 4) == "ftyp" else { return nil }
        let size = Int(uint32(bytes, 0))
        guard size <= bytes.count || allowPartial else { return nil }
        let end = min(max(size, 12), bytes.count)
        var brands = [fourCC(bytes, 8)]
        var offset = 16
        while offset + 4 <= end, brands.count < 64 {
            brands.append(fourCC(bytes, offset))
            offset += 4
        }
        if avifBrands.contains(brands[0]) { return .avif }
        if heifBrands.contains(brands[0]) {
            if brands.contains(where: { $0 == "heic" || $0 == "heix" }) { return .heif }
            return brands.contains(where: { avifBrands.contains($0) }) ? .avif : .heif
        }
        return nil
    }

    /// Parses `bytes` (which already start with a HEIF or AVIF `ftyp`); see ``ImageProbe/probe(_:isComplete:)``.
    static func parse(_ bytes: [UInt8], isComplete: Bool, format: ImageFormat) -> ProbeResult {
        let truncated: ProbeResult =
            isComplete ? .malformed("The \(format.displayName) file ends before its image header.") : .needMoreData
        // Find the top-level `meta` box; it follows `ftyp` in every file a camera writes.
        var position = 0
        var meta: Range<Int>?
        var count = 0
        while meta == nil {
            count += 1
            guard count < maxEntries else { return .malformed("The \(format.displayName) file has too many boxes.") }
            guard let box = box(at: position, in: bytes, limit: bytes.count, isComplete: isComplete) else {
                return .needMoreData
            }
            switch box {
            case .invalid: return .malformed("The \(format.displayName) file has a damaged box structure.")
            case .found(let type, let payload, let end):
                if type == "meta" {
                    guard end <= bytes.count else { return truncated }
                    meta = payload
                }
                position = end
            }
        }
        guard let meta, meta.count >= 4 else {
            return .malformed("The \(format.displayName) file has an empty metadata box.")
        }
        let parsed: HEIFMetaBox
        switch HEIFMetaBox.parse(bytes, range: (meta.lowerBound + 4)..<meta.upperBound) {
        case .success(let value): parsed = value
        case .failure(let reason): return .malformed("The \(format.displayName) file \(reason.text).")
        }
        guard let primary = parsed.primaryItem else {
            return .malformed("The \(format.displayName) file names no primary image.")
        }
        guard let size = parsed.properties(of: primary).compactMap({ $0.size }).first, size.width > 0,
            size.height > 0
        else {
            return .malformed("The \(format.displayName) file does not give its image size.")
        }
        var width = size.width
        var height = size.height
        for property in parsed.properties(of: primary) {
            if case .cleanAperture(let w, let h) = property, w > 0, h > 0, w <= width, h <= height {
                width = w
                height = h
            }
        }
        if parsed.properties(of: primary).contains(where: {
            if case .rotation(let a) = $0 { a % 2 == 1 } else { false }
        }) {
            swap(&width, &height)
        }
        var exif: ExifMetadata?
        if let location = parsed.exifLocation(describing: primary) {
            if location.upperBound <= bytes.count {
                exif = Self.exif(bytes[location])
            } else if !isComplete, location.upperBound <= ImageProbe.metadataReach {
                return .needMoreData
            }
        }
        // The EXIF orientation is left out on purpose: irot/imir already turn the picture, and a HEIF's EXIF
        // orientation repeats them (applying both rotates iPhone photos twice).
        return .image(
            ImageHeader(
                format: format, width: width, height: height, orientation: 1, captureDate: exif?.captureDate,
                captureOffset: exif?.captureOffset, cameraMake: exif?.cameraMake, cameraModel: exif?.cameraModel))
    }

    /// An `Exif` item: a 4-byte offset to the TIFF header, then (usually) `Exif\0\0`, then TIFF.
    private static func exif(_ item: ArraySlice<UInt8>) -> ExifMetadata? {
        guard item.count > 8 else { return nil }
        let start = item.startIndex
        let skip = Int(uint32(Array(item.prefix(4)), 0))
        guard skip >= 0, skip < item.count - 4 else { return nil }
        return ExifMetadata(tiff: item[(start + 4 + skip)...])
    }

    enum Box {
        case found(type: String, payload: Range<Int>, end: Int)
        case invalid
    }

    /// The box at `position`: its type, payload range and end (which may lie beyond `bytes` when incomplete);
    /// nil when its header is beyond the bytes at hand.
    static func box(at position: Int, in bytes: [UInt8], limit: Int, isComplete: Bool) -> Box? {
        guard position + 8 <= limit else { return isComplete ? .invalid : nil }
        var size = Int(uint32(bytes, position))
        let type = fourCC(bytes, position + 4)
        var header = 8
        if size == 1 {
            guard position + 16 <= limit else { return isComplete ? .invalid : nil }
            let large = (UInt64(uint32(bytes, position + 8)) << 32) | UInt64(uint32(bytes, position + 12))
            guard large <= UInt64(Int.max / 2) else { return .invalid }
            size = Int(large)
            header = 16
        } else if size == 0 {
            guard isComplete else { return .invalid }
            size = limit - position
        }
        guard size >= header, position <= Int.max - size else { return .invalid }
        let end = position + size
        if end > limit, isComplete { return .invalid }
        return .found(type: type, payload: (position + header)..<end, end: end)
    }

    static func uint32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    static func uint16(_ bytes: [UInt8], _ offset: Int) -> Int {
        Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
    }

    static func fourCC(_ bytes: [UInt8], _ offset: Int) -> String {
        String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self)
    }
}
