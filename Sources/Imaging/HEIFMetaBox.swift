/// The parts of a HEIF `meta` box the probe needs: the primary item, item types, locations, properties and
/// references. Every read is bounds-checked; anything malformed is a ``Failure``, never a trap.
struct HEIFMetaBox {
    /// A property of an item that the header cares about.
    enum Property {
        /// `ispe`: the coded width and height.
        case spatialExtent(width: Int, height: Int)
        /// `irot`: counter-clockwise quarter turns.
        case rotation(Int)
        /// `clap`: the clean aperture's size, rounded.
        case cleanAperture(width: Int, height: Int)
        case other

        var size: (width: Int, height: Int)? {
            if case .spatialExtent(let width, let height) = self { return (width, height) }
            return nil
        }
    }

    /// Why a `meta` box could not be read: the end of a sentence starting "The HEIC file …".
    struct Failure: Error {
        var text: String
    }

    var primaryItem: Int?
    var itemTypes: [Int: String] = [:]
    /// Byte ranges of items stored as one extent in the file (construction method 0).
    var locations: [Int: Range<Int>] = [:]
    var propertyList: [Property] = []
    /// Item → 1-based indices into `propertyList`.
    var associations: [Int: [Int]] = [:]
    /// `cdsc` references: metadata item → the items it describes.
    var describes: [Int: [Int]] = [:]

    private static let maxEntries = 10_000

    /// The properties associated with `item`.
    func properties(of item: Int) -> [Property] {
        (associations[item] ?? []).compactMap { index in
            index >= 1 && index <= propertyList.count ? propertyList[index - 1] : nil
        }
    }

    /// Where the EXIF item describing `item` is (or, without references, the first EXIF item).
    func exifLocation(describing item: Int) -> Range<Int>? {
        let exifItems = itemTypes.filter { $0.value == "Exif" }.map(\.key).sorted()
        let chosen = exifItems.first { describes[$0]?.contains(item) == true } ?? exifItems.first
        return chosen.flatMap { locations[$0] }
    }

    /// Parses the children of a `meta` box (the range starts after its version and flags).
    static func parse(_ bytes: [UInt8], range: Range<Int>) -> Result<HEIFMetaBox, Failure> {
        var meta = HEIFMetaBox()
        do {
            try forEachChild(bytes, range) { type, payload in
                var reader = Reader(bytes: bytes, range: payload)
                switch type {
                case "pitm":
                    let version = try reader.fullBoxVersion()
                    meta.primaryItem = try version == 0 ? reader.uint(2) : reader.uint(4)
                case "iinf": try meta.readItemInfos(&reader)
                case "iloc": try meta.readLocations(&reader)
                case "iprp":
                    try forEachChild(bytes, payload) { child, childPayload in
                        var inner = Reader(bytes: bytes, range: childPayload)
                        if child == "ipco" { try meta.readProperties(bytes, childPayload) }
                        if child == "ipma" { try meta.readAssociations(&inner) }
                    }
                case "iref": try meta.readReferences(bytes, &reader)
                default: break
                }
            }
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(text: "has a damaged metadata box"))
        }
        return .success(meta)
    }

    /// Calls `body` with each child box's type and payload inside `range`.
    static func forEachChild(_ bytes: [UInt8], _ range: Range<Int>, _ body: (String, Range<Int>) throws -> Void)
        throws
    {
        var position = range.lowerBound
        var count = 0
        while position + 8 <= range.upperBound {
            count += 1
            guard count < maxEntries else { throw Failure(text: "has too many boxes") }
            guard
                case .found(let type, let payload, let end)? = HEIFHeaderParser.box(
                    at: position, in: bytes, limit: range.upperBound, isComplete: true)
            else { throw Failure(text: "has a damaged metadata box") }
            try body(type, payload)
            position = end
        }
    }

    private mutating func readItemInfos(_ reader: inout Reader) throws {
        let version = try reader.fullBoxVersion()
        _ = try version == 0 ? reader.uint(2) : reader.uint(4)
        try Self.forEachChild(reader.bytes, reader.remaining) { type, payload in
            guard type == "infe" else { return }
            var entry = Reader(bytes: reader.bytes, range: payload)
            let entryVersion = try entry.fullBoxVersion()
            guard entryVersion >= 2 else { return }
            let id = try entryVersion == 2 ? entry.uint(2) : entry.uint(4)
            _ = try entry.uint(2)
            itemTypes[id] = try entry.fourCC()
        }
    }

    private mutating func readLocations(_ reader: inout Reader) throws {
        let version = try reader.fullBoxVersion()
        guard version <= 2 else { throw Failure(text: "has an unknown item location version") }
        let sizes = try reader.uint(1)
        let offsetSize = sizes >> 4
        let lengthSize = sizes & 0xF
        let more = try reader.uint(1)
        let baseOffsetSize = more >> 4
        let indexSize = version >= 1 ? more & 0xF : 0
        for size in [offsetSize, lengthSize, baseOffsetSize, indexSize] where ![0, 4, 8].contains(size) {
            throw Failure(text: "has invalid item location field sizes")
        }
        let itemCount = try version < 2 ? reader.uint(2) : reader.uint(4)
        guard itemCount < Self.maxEntries else { throw Failure(text: "has too many items") }
        for _ in 0..<itemCount {
            let id = try version < 2 ? reader.uint(2) : reader.uint(4)
            let method = try version >= 1 ? reader.uint(2) & 0xF : 0
            _ = try reader.uint(2)
            let base = try reader.uint(baseOffsetSize)
            let extents = try reader.uint(2)
            guard extents < Self.maxEntries else { throw Failure(text: "has too many item extents") }
            var single: Range<Int>?
            for _ in 0..<extents {
                _ = try reader.uint(indexSize)
                let offset = try reader.uint(offsetSize)
                let length = try reader.uint(lengthSize)
                let start = base.addingReportingOverflow(offset)
                guard !start.overflow, start.partialValue <= Int.max - length else {
                    throw Failure(text: "has an item outside the file")
                }
                single = extents == 1 ? start.partialValue..<(start.partialValue + length) : nil
            }
            if method == 0, let single { locations[id] = single }
        }
    }

    private mutating func readProperties(_ bytes: [UInt8], _ range: Range<Int>) throws {
        try Self.forEachChild(bytes, range) { type, payload in
            var reader = Reader(bytes: bytes, range: payload)
            switch type {
            case "ispe":
                _ = try reader.fullBoxVersion()
                propertyList.append(.spatialExtent(width: try reader.uint(4), height: try reader.uint(4)))
            case "irot":
                propertyList.append(.rotation(try reader.uint(1) & 3))
            case "clap":
                var values: [Int] = []
                for _ in 0..<8 { values.append(try reader.uint(4)) }
                guard values[1] > 0, values[3] > 0 else {
                    propertyList.append(.other)
                    return
                }
                propertyList.append(
                    .cleanAperture(
                        width: (values[0] + values[1] / 2) / values[1], height: (values[2] + values[3] / 2) / values[3])
                )
            default:
                propertyList.append(.other)
            }
            guard propertyList.count < Self.maxEntries else { throw Failure(text: "has too many properties") }
        }
    }

    private mutating func readAssociations(_ reader: inout Reader) throws {
        let version = try reader.fullBoxVersion()
        let flags = reader.flags
        let entries = try reader.uint(4)
        guard entries < Self.maxEntries else { throw Failure(text: "has too many property associations") }
        for _ in 0..<entries {
            let id = try version < 1 ? reader.uint(2) : reader.uint(4)
            let count = try reader.uint(1)
            var indices: [Int] = []
            for _ in 0..<count {
                indices.append(try flags & 1 == 1 ? reader.uint(2) & 0x7FFF : reader.uint(1) & 0x7F)
            }
            associations[id, default: []].append(contentsOf: indices)
        }
    }

    private mutating func readReferences(_ bytes: [UInt8], _ reader: inout Reader) throws {
        let version = try reader.fullBoxVersion()
        try Self.forEachChild(bytes, reader.remaining) { type, payload in
            var entry = Reader(bytes: bytes, range: payload)
            let from = try version == 0 ? entry.uint(2) : entry.uint(4)
            let count = try entry.uint(2)
            var targets: [Int] = []
            for _ in 0..<count { targets.append(try version == 0 ? entry.uint(2) : entry.uint(4)) }
            if type == "cdsc" { describes[from, default: []].append(contentsOf: targets) }
        }
    }
}

/// Big-endian reads within a byte range that throw instead of reading past it.
private struct Reader {
    let bytes: [UInt8]
    var position: Int
    let end: Int
    private(set) var flags = 0

    init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = min(range.upperBound, bytes.count)
    }

    var remaining: Range<Int> { position..<max(position, end) }

    /// An unsigned integer of `size` bytes (0, 1, 2, 4 or 8); 0 bytes read as 0.
    mutating func uint(_ size: Int) throws -> Int {
        guard size >= 0, size <= 8, position + size <= end else {
            throw HEIFMetaBox.Failure(text: "has a damaged metadata box")
        }
        var value: UInt64 = 0
        for index in 0..<size { value = value << 8 | UInt64(bytes[position + index]) }
        position += size
        guard value <= UInt64(Int.max / 4) else { throw HEIFMetaBox.Failure(text: "has an out-of-range value") }
        return Int(value)
    }

    mutating func fourCC() throws -> String {
        guard position + 4 <= end else { throw HEIFMetaBox.Failure(text: "has a damaged metadata box") }
        defer { position += 4 }
        return HEIFHeaderParser.fourCC(bytes, position)
    }

    /// Reads a full box's version and flags, returning the version.
    mutating func fullBoxVersion() throws -> Int {
        let word = try uint(4)
        flags = word & 0xFF_FFFF
        return word >> 24
    }
}
