import Foundation

/// Builds a ZIP archive's structure for entries streamed one after another without knowing their CRC in advance:
/// stored (no compression, photos do not shrink), a data descriptor after each entry (flag bit 3), UTF-8 names,
/// and ZIP64 records wherever a size, an offset or the entry count outgrows the classic 32/16-bit fields.
/// It only produces header bytes and tracks offsets; the caller writes each entry's bytes in between.
struct ZipStreamWriter: Sendable {
    /// What the central directory needs to know about a written entry.
    struct Entry: Sendable {
        var name: [UInt8]
        var crc: UInt32
        var size: UInt64
        var offset: UInt64
        var dosTime: UInt16
        var dosDate: UInt16
        var usesZip64Sizes: Bool
    }

    private(set) var entries: [Entry] = []
    /// Bytes of the archive produced so far (headers plus the entries' data).
    private(set) var offset: UInt64 = 0
    private var pending: Entry?

    static let max32 = UInt64(UInt32.max)

    init(startingAt offset: UInt64 = 0) {
        self.offset = offset
    }

    /// The local file header of the next entry; `expectedSize` decides whether its sizes need ZIP64.
    mutating func beginEntry(name: String, expectedSize: UInt64, modified: Date) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        let (time, date) = Self.dosDateTime(modified)
        let zip64 = expectedSize >= Self.max32
        pending = Entry(
            name: nameBytes, crc: 0, size: 0, offset: offset, dosTime: time, dosDate: date, usesZip64Sizes: zip64)
        var out: [UInt8] = []
        out.le32(0x0403_4b50)
        out.le16(zip64 ? 45 : 20)  // version needed to extract
        out.le16(0x0808)  // bit 3: sizes and CRC follow the data; bit 11: UTF-8 name
        out.le16(0)  // stored
        out.le16(time)
        out.le16(date)
        out.le32(0)  // CRC, in the data descriptor
        out.le32(zip64 ? UInt32.max : 0)
        out.le32(zip64 ? UInt32.max : 0)
        out.le16(UInt16(nameBytes.count))
        out.le16(zip64 ? 20 : 0)
        out += nameBytes
        if zip64 {
            out.le16(0x0001)
            out.le16(16)
            out.le64(0)
            out.le64(0)
        }
        offset += UInt64(out.count)
        return out
    }

    /// The data descriptor after an entry's `size` bytes with checksum `crc`.
    mutating func endEntry(crc: UInt32, size: UInt64) -> [UInt8] {
        guard var entry = pending else { return [] }
        pending = nil
        offset += size
        entry.crc = crc
        entry.size = size
        // A file larger than announced still gets correct sizes: they go where the reader will look (central directory).
        var out: [UInt8] = []
        out.le32(0x0807_4b50)
        out.le32(crc)
        if entry.usesZip64Sizes {
            out.le64(size)
            out.le64(size)
        } else {
            out.le32(UInt32(truncatingIfNeeded: size))
            out.le32(UInt32(truncatingIfNeeded: size))
        }
        offset += UInt64(out.count)
        entries.append(entry)
        return out
    }

    /// The central directory and end records, after the last entry.
    mutating func finish() -> [UInt8] {
        let directoryStart = offset
        var out: [UInt8] = []
        for entry in entries {
            let bigSize = entry.size >= Self.max32 || entry.usesZip64Sizes
            let bigOffset = entry.offset >= Self.max32
            var extra: [UInt8] = []
            if bigSize {
                extra.le64(entry.size)
                extra.le64(entry.size)
            }
            if bigOffset { extra.le64(entry.offset) }
            out.le32(0x0201_4b50)
            out.le16(0x031E)  // made by: Unix, spec 3.0
            out.le16(bigSize || bigOffset ? 45 : 20)
            out.le16(0x0808)
            out.le16(0)
            out.le16(entry.dosTime)
            out.le16(entry.dosDate)
            out.le32(entry.crc)
            out.le32(bigSize ? UInt32.max : UInt32(entry.size))
            out.le32(bigSize ? UInt32.max : UInt32(entry.size))
            out.le16(UInt16(entry.name.count))
            out.le16(extra.isEmpty ? 0 : UInt16(extra.count + 4))
            out.le16(0)  // comment
            out.le16(0)  // disk
            out.le16(0)  // internal attributes
            out.le32(0o100644 << 16)  // external attributes: a regular file, rw-r--r--
            out.le32(bigOffset ? UInt32.max : UInt32(entry.offset))
            out += entry.name
            if !extra.isEmpty {
                out.le16(0x0001)
                out.le16(UInt16(extra.count))
                out += extra
            }
        }
        let directorySize = UInt64(out.count)
        let count = UInt64(entries.count)
        let needsZip64 = count >= 0xFFFF || directorySize >= Self.max32 || directoryStart >= Self.max32
        if needsZip64 {
            let zip64EndOffset = directoryStart + directorySize
            out.le32(0x0606_4b50)
            out.le64(44)
            out.le16(0x031E)
            out.le16(45)
            out.le32(0)
            out.le32(0)
            out.le64(count)
            out.le64(count)
            out.le64(directorySize)
            out.le64(directoryStart)
            out.le32(0x0706_4b50)
            out.le32(0)
            out.le64(zip64EndOffset)
            out.le32(1)
        }
        out.le32(0x0605_4b50)
        out.le16(0)
        out.le16(0)
        out.le16(needsZip64 ? 0xFFFF : UInt16(count))
        out.le16(needsZip64 ? 0xFFFF : UInt16(count))
        out.le32(needsZip64 ? UInt32.max : UInt32(directorySize))
        out.le32(needsZip64 ? UInt32.max : UInt32(directoryStart))
        out.le16(0)
        offset += UInt64(out.count)
        return out
    }

    /// MS-DOS time and date (local fields, written in UTC), clamped to the format's 1980–2107 range.
    static func dosDateTime(_ date: Date) -> (UInt16, UInt16) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = min(max((c.year ?? 1980) - 1980, 0), 127)
        let time = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        let day = UInt16(year << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
        return (time, day)
    }
}

extension Array where Element == UInt8 {
    fileprivate mutating func le16(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    fileprivate mutating func le32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    fileprivate mutating func le64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8((value >> UInt64(shift)) & 0xFF)) }
    }
}
