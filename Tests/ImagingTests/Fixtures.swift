import Foundation
@testable import Imaging

/// Builders for test images and files, so that no test depends on files outside the repository.
enum Fixtures {
    /// An RGB colour.
    typealias RGB = (r: UInt8, g: UInt8, b: UInt8)

    static let red: RGB = (220, 30, 30)
    static let green: RGB = (30, 200, 30)
    static let blue: RGB = (30, 30, 220)
    static let yellow: RGB = (230, 230, 40)

    /// Colour of quadrant (column, row) of the reference image: red | green over blue | yellow.
    static func quadrantColor(right: Bool, bottom: Bool) -> RGB {
        switch (right, bottom) {
        case (false, false): red
        case (true, false): green
        case (false, true): blue
        case (true, true): yellow
        }
    }

    /// An RGB image of four coloured quadrants.
    static func quadrants(width: Int, height: Int) -> PixelBuffer {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let color = quadrantColor(right: x >= width / 2, bottom: y >= height / 2)
                let index = (y * width + x) * 3
                pixels[index] = color.r
                pixels[index + 1] = color.g
                pixels[index + 2] = color.b
            }
        }
        return PixelBuffer(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Builds the stored pixels of a file with EXIF `orientation` whose correct display is `visual`.
    ///
    /// Written from the EXIF definition ("where do the stored 0th row and 0th column go"), independently of
    /// the table in `PixelBuffer.applyingOrientation`.
    static func stored(_ visual: PixelBuffer, orientation: Int) -> PixelBuffer {
        let vw = visual.width, vh = visual.height
        let swaps = orientation >= 5
        let sw = swaps ? vh : vw, sh = swaps ? vw : vh
        // (0th row position, 0th column position) for orientations 1...8.
        let rowColumn: [(String, String)] = [
            ("top", "left"), ("top", "right"), ("bottom", "right"), ("bottom", "left"),
            ("left", "top"), ("right", "top"), ("right", "bottom"), ("left", "bottom"),
        ]
        let (rowAt, columnAt) = rowColumn[orientation - 1]
        var pixels = [UInt8](repeating: 0, count: sw * sh * visual.channels)
        for sy in 0..<sh {
            for sx in 0..<sw {
                let vx: Int, vy: Int
                if swaps {
                    vx = rowAt == "left" ? sy : vw - 1 - sy
                    vy = columnAt == "top" ? sx : vh - 1 - sx
                } else {
                    vy = rowAt == "top" ? sy : vh - 1 - sy
                    vx = columnAt == "left" ? sx : vw - 1 - sx
                }
                let source = (vy * vw + vx) * visual.channels
                let destination = (sy * sw + sx) * visual.channels
                for channel in 0..<visual.channels {
                    pixels[destination + channel] = visual.pixels[source + channel]
                }
            }
        }
        return PixelBuffer(width: sw, height: sh, channels: visual.channels, pixels: pixels)
    }

    // MARK: JPEG

    /// A (baseline unless asked otherwise) JPEG of `image` made with the module's encoder, with `segments` (complete marker segments) inserted after SOI.
    static func jpeg(_ image: PixelBuffer, quality: Int = 95, progressive: Bool = false, segments: [[UInt8]] = []) throws -> [UInt8] {
        let encoded = try JPEGCodec.encode(image, quality: quality, progressive: progressive)
        return Array(encoded[0..<2]) + segments.flatMap { $0 } + Array(encoded[2...])
    }

    /// An APP1 "Exif" segment with the given tags, in big-endian ("MM") or little-endian ("II") byte order.
    static func exifSegment(
        orientation: Int? = nil, dateTime: String? = nil, dateTimeOriginal: String? = nil, bigEndian: Bool = false
    ) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] {
            bigEndian ? [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] : [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]
        }
        func u32(_ value: Int) -> [UInt8] {
            let b = [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
            return bigEndian ? b : b.reversed()
        }
        func ascii(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

        // IFD0 entries sorted by tag: Orientation, DateTime, ExifIFD pointer.
        var entries: [(tag: Int, type: Int, count: Int, inline: [UInt8]?, data: [UInt8]?)] = []
        if let orientation { entries.append((0x0112, 3, 1, u16(orientation) + [0, 0], nil)) }
        if let dateTime { entries.append((0x0132, 2, ascii(dateTime).count, nil, ascii(dateTime))) }
        let hasExifIFD = dateTimeOriginal != nil
        if hasExifIFD { entries.append((0x8769, 4, 1, nil, nil)) }

        let ifd0Offset = 8
        let ifd0Size = 2 + entries.count * 12 + 4
        var dataOffset = ifd0Offset + ifd0Size
        var ifd = u16(entries.count)
        var dataArea: [UInt8] = []
        var exifIFDOffset = 0
        let dataTotal = entries.compactMap(\.data).reduce(0) { $0 + $1.count }
        for entry in entries {
            ifd += u16(entry.tag) + u16(entry.type) + u32(entry.count)
            if entry.tag == 0x8769 {
                exifIFDOffset = ifd0Offset + ifd0Size + dataTotal
                ifd += u32(exifIFDOffset)
            } else if let inline = entry.inline {
                ifd += inline
            } else if let data = entry.data {
                ifd += u32(dataOffset)
                dataArea += data
                dataOffset += data.count
            }
        }
        ifd += u32(0)
        var tiff: [UInt8] = (bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]) + u16(42) + u32(ifd0Offset) + ifd + dataArea
        if let dateTimeOriginal, hasExifIFD {
            precondition(tiff.count == exifIFDOffset)
            let value = ascii(dateTimeOriginal)
            let valueOffset = exifIFDOffset + 2 + 12 + 4
            tiff += u16(1) + u16(0x9003) + u16(2) + u32(value.count) + u32(valueOffset) + u32(0) + value
        }
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        return segment(marker: 0xE1, payload: payload)
    }

    /// A JPEG marker segment (FF marker, big-endian length, payload).
    static func segment(marker: UInt8, payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    // MARK: Pseudo-random content

    /// Deterministic noise, so that encoded files have realistic entropy-coded data.
    static func noise(width: Int, height: Int, channels: Int, seed: UInt64 = 42) -> PixelBuffer {
        var state = seed
        let pixels = (0..<(width * height * channels)).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        return PixelBuffer(width: width, height: height, channels: channels, pixels: pixels)
    }

    // MARK: Files

    /// Writes `bytes` to a fresh temporary file and returns its path; the caller removes it.
    static func temporaryFile(_ bytes: [UInt8], suffix: String = ".bin") throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("imaging-test-\(UUID().uuidString)\(suffix)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Decodes an encoded derivative with the module's own decoders.
    static func decode(_ image: EncodedImage) throws -> PixelBuffer {
        switch image.format {
        case .jpeg: try JPEGCodec.decode(image.bytes, scaleDenominator: 1, maxPixels: .max).image
        case .png: try PNGCodec.decode(image.bytes, maxPixels: .max)
        }
    }

    /// Mean absolute difference per sample between two images of equal shape.
    static func meanAbsoluteDifference(_ a: PixelBuffer, _ b: PixelBuffer) -> Double {
        precondition(a.width == b.width && a.height == b.height && a.channels == b.channels)
        var total = 0
        for index in a.pixels.indices {
            total += abs(Int(a.pixels[index]) - Int(b.pixels[index]))
        }
        return Double(total) / Double(a.pixels.count)
    }
}
