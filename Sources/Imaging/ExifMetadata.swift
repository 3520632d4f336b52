/// Orientation and capture date read from a TIFF-structured EXIF block (the payload of a JPEG APP1 "Exif" segment).
struct ExifMetadata: Sendable, Equatable {
    var orientation: Int = 1
    var captureDate: String?
    /// OffsetTimeOriginal, `+02:00`: the time zone of DateTimeOriginal, when the camera wrote it.
    var captureOffset: String?
    var cameraMake: String?
    var cameraModel: String?

    private static let makeTag: UInt16 = 0x010F
    private static let modelTag: UInt16 = 0x0110
    private static let offsetTimeOriginalTag: UInt16 = 0x9011
    private static let orientationTag: UInt16 = 0x0112
    private static let dateTimeTag: UInt16 = 0x0132
    private static let exifIFDPointerTag: UInt16 = 0x8769
    private static let dateTimeOriginalTag: UInt16 = 0x9003

    /// Parses `tiff` (starting at the "II"/"MM" byte-order mark); anything malformed is ignored field by field.
    init(tiff: ArraySlice<UInt8>) {
        let reader = TIFFReader(bytes: Array(tiff))
        guard let reader, let ifd0 = reader.uint32(at: 4) else { return }
        var dateTime: String?
        var dateTimeOriginal: String?
        var exifIFD: Int?
        reader.forEachEntry(inIFDAt: Int(ifd0)) { entry in
            switch entry.tag {
            case Self.orientationTag:
                if let value = reader.integerValue(of: entry), (1...8).contains(value) {
                    orientation = value
                }
            case Self.dateTimeTag:
                dateTime = reader.asciiValue(of: entry)
            case Self.makeTag:
                cameraMake = Self.cleanText(reader.asciiValue(of: entry))
            case Self.modelTag:
                cameraModel = Self.cleanText(reader.asciiValue(of: entry))
            case Self.exifIFDPointerTag:
                exifIFD = reader.integerValue(of: entry)
            default:
                break
            }
        }
        if let exifIFD {
            reader.forEachEntry(inIFDAt: exifIFD) { entry in
                if entry.tag == Self.dateTimeOriginalTag {
                    dateTimeOriginal = reader.asciiValue(of: entry)
                } else if entry.tag == Self.offsetTimeOriginalTag {
                    captureOffset = Self.offset(reader.asciiValue(of: entry))
                }
            }
        }
        captureDate = Self.isoDate(fromExif: dateTimeOriginal) ?? Self.isoDate(fromExif: dateTime)
        // The offset belongs to DateTimeOriginal only; a date taken from DateTime has no known zone.
        if Self.isoDate(fromExif: dateTimeOriginal) == nil { captureOffset = nil }
    }

    /// `+HH:MM` or `-HH:MM` within ±14:00; nil for anything else (blanks, "   :  ").
    static func offset(_ text: String?) -> String? {
        guard let text, text.utf8.count == 6 else { return nil }
        let chars = Array(text.utf8)
        guard chars[0] == UInt8(ascii: "+") || chars[0] == UInt8(ascii: "-"), chars[3] == UInt8(ascii: ":"),
            let hours = Int(String(decoding: chars[1..<3], as: UTF8.self)),
            let minutes = Int(String(decoding: chars[4..<6], as: UTF8.self)),
            (0...14).contains(hours), (0...59).contains(minutes)
        else { return nil }
        return text
    }

    /// Printable text trimmed of padding, at most 100 characters; nil when nothing is left.
    static func cleanText(_ text: String?) -> String? {
        guard let text else { return nil }
        let printable = text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init)
        let trimmed = printable.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
        return trimmed.isEmpty ? nil : String(trimmed.prefix(100))
    }

    /// Converts "YYYY:MM:DD HH:MM:SS" to "YYYY-MM-DDTHH:MM:SS"; nil for blanks, zeros and out-of-range fields.
    static func isoDate(fromExif text: String?) -> String? {
        guard let text else { return nil }
        let chars = Array(text.utf8.prefix(19))
        guard chars.count == 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let c = chars[index]
                guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(c - UInt8(ascii: "0"))
            }
            return value
        }
        let dateSeparators: Set<UInt8> = [UInt8(ascii: ":"), UInt8(ascii: "-")]
        guard dateSeparators.contains(chars[4]), dateSeparators.contains(chars[7]),
            chars[10] == UInt8(ascii: " ") || chars[10] == UInt8(ascii: "T"),
            chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1800...2999).contains(year), (1...12).contains(month), (1...31).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))"
    }
}

/// Bounds-checked reads of a TIFF structure in either byte order.
private struct TIFFReader {
    struct Entry {
        var tag: UInt16
        var type: UInt16
        var count: UInt32
        /// Offset of the entry's 4-byte value/offset field.
        var valueFieldOffset: Int
    }

    /// IFDs with more entries than this are treated as garbage (real ones have a few dozen).
    private static let maxEntries = 1000

    let bytes: [UInt8]
    let bigEndian: Bool

    init?(bytes: [UInt8]) {
        guard bytes.count >= 8 else { return nil }
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): bigEndian = false
        case (0x4D, 0x4D): bigEndian = true
        default: return nil
        }
        self.bytes = bytes
        guard uint16(at: 2) == 42 else { return nil }
    }

    func uint16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        let a = UInt16(bytes[offset])
        let b = UInt16(bytes[offset + 1])
        return bigEndian ? (a << 8 | b) : (b << 8 | a)
    }

    func uint32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= bytes.count else { return nil }
        let b = (0..<4).map { UInt32(bytes[offset + $0]) }
        return bigEndian
            ? (b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3])
            : (b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0])
    }

    func forEachEntry(inIFDAt offset: Int, _ body: (Entry) -> Void) {
        guard let count = uint16(at: offset), count <= Self.maxEntries else { return }
        for index in 0..<Int(count) {
            let entryOffset = offset + 2 + index * 12
            guard let tag = uint16(at: entryOffset), let type = uint16(at: entryOffset + 2),
                let valueCount = uint32(at: entryOffset + 4), entryOffset + 12 <= bytes.count
            else { return }
            body(Entry(tag: tag, type: type, count: valueCount, valueFieldOffset: entryOffset + 8))
        }
    }

    /// A single SHORT or LONG value, which always fits in the value field.
    func integerValue(of entry: Entry) -> Int? {
        guard entry.count >= 1 else { return nil }
        switch entry.type {
        case 3: return uint16(at: entry.valueFieldOffset).map(Int.init)
        case 4: return uint32(at: entry.valueFieldOffset).map(Int.init)
        default: return nil
        }
    }

    /// An ASCII value up to its first NUL; values over 4 bytes live at the offset in the value field.
    func asciiValue(of entry: Entry) -> String? {
        guard entry.type == 2, entry.count >= 1, entry.count <= 1024 else { return nil }
        let length = Int(entry.count)
        let start: Int
        if length <= 4 {
            start = entry.valueFieldOffset
        } else {
            guard let offset = uint32(at: entry.valueFieldOffset) else { return nil }
            start = Int(offset)
        }
        guard start >= 0, start + length <= bytes.count else { return nil }
        let raw = bytes[start..<(start + length)]
        let text = raw.prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }
}
