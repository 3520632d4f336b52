import Foundation

@testable import Imaging

/// Synthetic JPEGs and PNGs for tests of every module, made in code so the suite needs no files from outside the repository.
public enum TestImages {
    /// A JPEG of four coloured quadrants (red | green over blue | yellow) as seen, stored so that EXIF `orientation`
    /// (written into an APP1 segment when given) turns it upright: its oriented size is `width`×`height`.
    public static func jpeg(width: Int, height: Int, orientation: Int? = nil, quality: Int = 90) throws -> [UInt8] {
        let visual = quadrants(width: width, height: height)
        let stored = orientation.map { storedPixels(visual, orientation: $0) } ?? visual
        let encoded = try JPEGCodec.encode(stored, quality: quality, progressive: false)
        let segments = orientation.map { exifSegment(orientation: $0, dateTimeOriginal: "2021:06:05 14:03:09") } ?? []
        return Array(encoded[0..<2]) + segments + Array(encoded[2...])
    }

    /// A PNG of the quadrant image; with `transparent`, the right half is half see-through.
    public static func png(width: Int, height: Int, transparent: Bool = false) throws -> [UInt8] {
        let rgb = quadrants(width: width, height: height)
        guard transparent else { return try PNGCodec.encode(rgb) }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * 4)
        for y in 0..<height {
            for x in 0..<width {
                let index = (y * width + x) * 3
                pixels += rgb.pixels[index..<index + 3]
                pixels.append(x >= width / 2 ? 128 : 255)
            }
        }
        return try PNGCodec.encode(PixelBuffer(width: width, height: height, channels: 4, pixels: pixels))
    }

    /// The colour expected at a point of the upright image (fractions of width and height).
    public static func expectedColor(atX x: Double, y: Double) -> (r: UInt8, g: UInt8, b: UInt8) {
        quadrantColor(right: x >= 0.5, bottom: y >= 0.5)
    }

    /// Decodes a JPEG or PNG to (width, height, channels, pixels) with the module's decoders.
    public static func decode(_ bytes: [UInt8]) throws -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        let image: PixelBuffer
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            image = try PNGCodec.decode(bytes, maxPixels: .max)
        } else {
            image = try JPEGCodec.decode(bytes, scaleDenominator: 1, maxPixels: .max).image
        }
        return (image.width, image.height, image.channels, image.pixels)
    }

    static func quadrantColor(right: Bool, bottom: Bool) -> (r: UInt8, g: UInt8, b: UInt8) {
        switch (right, bottom) {
        case (false, false): (220, 30, 30)
        case (true, false): (30, 200, 30)
        case (false, true): (30, 30, 220)
        case (true, true): (230, 230, 40)
        }
    }

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

    /// The stored pixels whose display under EXIF `orientation` is `visual` (from the EXIF definition:
    /// where the stored 0th row and 0th column go).
    static func storedPixels(_ visual: PixelBuffer, orientation: Int) -> PixelBuffer {
        let vw = visual.width
        let vh = visual.height
        let swaps = orientation >= 5
        let sw = swaps ? vh : vw
        let sh = swaps ? vw : vh
        let rowColumn: [(String, String)] = [
            ("top", "left"), ("top", "right"), ("bottom", "right"), ("bottom", "left"),
            ("left", "top"), ("right", "top"), ("right", "bottom"), ("left", "bottom"),
        ]
        let (rowAt, columnAt) = rowColumn[orientation - 1]
        var pixels = [UInt8](repeating: 0, count: sw * sh * visual.channels)
        for sy in 0..<sh {
            for sx in 0..<sw {
                let vx: Int
                let vy: Int
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

    /// An APP1 "Exif" segment with the given tags, in big-endian ("MM") or little-endian ("II") byte order.
    public static func exifSegment(
        orientation: Int? = nil, dateTime: String? = nil, dateTimeOriginal: String? = nil, bigEndian: Bool = false
    ) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] {
            bigEndian
                ? [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] : [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]
        }
        func u32(_ value: Int) -> [UInt8] {
            let b = [
                UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF),
            ]
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
    public static func segment(marker: UInt8, payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

}
