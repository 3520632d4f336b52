import Foundation

@testable import Imaging
@testable import MemoriesTestSupport

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

    /// An RGB image of four coloured quadrants (see `TestImages.quadrants`).
    static func quadrants(width: Int, height: Int) -> PixelBuffer {
        TestImages.quadrants(width: width, height: height)
    }

    /// Builds the stored pixels of a file with EXIF `orientation` whose correct display is `visual`.
    static func stored(_ visual: PixelBuffer, orientation: Int) -> PixelBuffer {
        TestImages.storedPixels(visual, orientation: orientation)
    }

    // MARK: JPEG

    /// A (baseline unless asked otherwise) JPEG of `image` made with the module's encoder, with `segments` (complete marker segments) inserted after SOI.
    static func jpeg(_ image: PixelBuffer, quality: Int = 95, progressive: Bool = false, segments: [[UInt8]] = [])
        throws -> [UInt8]
    {
        let encoded = try JPEGCodec.encode(image, quality: quality, progressive: progressive)
        return Array(encoded[0..<2]) + segments.flatMap { $0 } + Array(encoded[2...])
    }

    /// An APP1 "Exif" segment with the given tags (see `TestImages.exifSegment`).
    static func exifSegment(
        orientation: Int? = nil, dateTime: String? = nil, dateTimeOriginal: String? = nil, bigEndian: Bool = false
    ) -> [UInt8] {
        TestImages.exifSegment(
            orientation: orientation, dateTime: dateTime, dateTimeOriginal: dateTimeOriginal, bigEndian: bigEndian)
    }

    /// A JPEG marker segment (FF marker, big-endian length, payload).
    static func segment(marker: UInt8, payload: [UInt8]) -> [UInt8] {
        TestImages.segment(marker: marker, payload: payload)
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
        case .heif, .avif: try HEIFCodec.decode(image.bytes, format: image.format, maxPixels: .max).image
        case .webp: try WebPCodec.decode(image.bytes, maxPixels: .max).image
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
