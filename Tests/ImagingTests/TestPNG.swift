@testable import Imaging

/// A minimal PNG writer for fixtures, independent of libpng: stored (uncompressed) deflate blocks,
/// filter type 0, any colour type and bit depth, optional palette, tRNS and Adam7 interlacing.
struct TestPNG {
    enum ColorType: UInt8 {
        case gray = 0
        case rgb = 2
        case palette = 3
        case grayAlpha = 4
        case rgba = 6

        var channels: Int {
            switch self {
            case .gray, .palette: 1
            case .grayAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }
    }

    var width: Int
    var height: Int
    var colorType: ColorType
    var bitDepth: Int = 8
    /// One value per sample (row-major, interleaved), in the range of `bitDepth`.
    var samples: [Int]
    var palette: [Fixtures.RGB] = []
    /// Raw tRNS chunk payload.
    var transparency: [UInt8]?
    var interlaced = false
    /// Complete chunks (iCCP, sRGB...) written right after IHDR.
    var headerChunks: [[UInt8]] = []

    func encode() -> [UInt8] {
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file += Self.chunk(
            "IHDR",
            Self.be32(width) + Self.be32(height) + [
                UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0,
            ])
        file += headerChunks.flatMap { $0 }
        if colorType == .palette {
            file += Self.chunk("PLTE", palette.flatMap { [$0.r, $0.g, $0.b] })
        }
        if let transparency { file += Self.chunk("tRNS", transparency) }
        file += Self.chunk("IDAT", Self.zlibStored(scanlines()))
        file += Self.chunk("IEND", [])
        return file
    }

    /// Filtered (type 0) scanlines of the whole image or, when interlaced, of the seven Adam7 passes.
    func scanlines() -> [UInt8] {
        let passes: [(x: Int, y: Int, dx: Int, dy: Int)] =
            interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        var out: [UInt8] = []
        for pass in passes {
            let columns = Array(stride(from: pass.x, to: width, by: pass.dx))
            guard !columns.isEmpty else { continue }
            for y in stride(from: pass.y, to: height, by: pass.dy) {
                out.append(0)
                var row: [Int] = []
                for x in columns {
                    let base = (y * width + x) * colorType.channels
                    row += samples[base..<(base + colorType.channels)]
                }
                out += pack(row)
            }
        }
        return out
    }

    private func pack(_ row: [Int]) -> [UInt8] {
        switch bitDepth {
        case 16:
            return row.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        case 8:
            return row.map { UInt8($0) }
        default:
            var bytes: [UInt8] = []
            var current = 0
            var used = 0
            for value in row {
                current = current << bitDepth | value
                used += bitDepth
                if used == 8 {
                    bytes.append(UInt8(current))
                    current = 0
                    used = 0
                }
            }
            if used > 0 { bytes.append(UInt8(current << (8 - used))) }
            return bytes
        }
    }

    static func be32(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        return be32(data.count) + typeAndData + be32(Int(CRC32.checksum(typeAndData)))
    }

    /// An iCCP chunk carrying `profile` (zlib-wrapped in stored blocks, which is valid deflate).
    static func iccp(_ profile: [UInt8], name: String = "ICC profile") -> [UInt8] {
        chunk("iCCP", Array(name.utf8) + [0, 0] + zlibStored(profile))
    }

    /// A zlib stream made of stored deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let final: UInt8 = offset + length == data.count ? 1 : 0
            out += [
                final, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF),
            ]
            out += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return out + be32(Int(b << 16 | a))
    }
}
