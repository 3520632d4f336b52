@testable import Imaging

/// Synthetic HEIC, AVIF and WebP files (made with libheif's and libwebp's encoders through the Imaging shim), so a
/// fresh clone's tests reach every decoder path without the shared corpus.
extension TestImages {
    /// The quadrant image as HEIC (or AVIF): stored turned so that `orientation` (EXIF numbering, written as
    /// irot/imir) shows it upright at `width`×`height`; `exifOrientation` writes the same or another value into an
    /// EXIF item, as iPhones do, which must not turn it again. `alpha` makes the right half half see-through.
    public static func heif(
        width: Int, height: Int, avif: Bool = false, orientation: Int = 1, exifOrientation: Int? = nil,
        dateTimeOriginal: String? = "2023:04:05 06:07:08", alpha: Bool = false, quality: Int = 90
    ) throws -> [UInt8] {
        let visual =
            alpha ? halfTransparent(quadrants(width: width, height: height)) : quadrants(width: width, height: height)
        let stored = storedPixels(visual, orientation: orientation)
        let exif = exifOrientation.map { exifSegment(orientation: $0, dateTimeOriginal: dateTimeOriginal) }
        // The encoder wants "Exif\0\0" + TIFF, as in the JPEG segment after its marker and length.
        return try HEIFCodec.encode(
            stored, avif: avif, quality: quality, orientation: orientation, exif: exif.map { Array($0.dropFirst(4)) })
    }

    /// A 10-bit HEIC of a horizontal ramp from black to full signal with the given nclx transfer (16 PQ, 18 HLG,
    /// 13 sRGB) and primaries (1 BT.709, 9 BT.2020, 12 Display P3). HEVC rather than AV1: libaom 3.6 asserts (aborts
    /// the process) on 10-bit input from libheif 1.15; the decoding side is the same libheif path for both, and the
    /// corpus has a real 10-bit AVIF.
    public static func heif10Bit(width: Int, height: Int, transfer: Int, primaries: Int) throws -> [UInt8] {
        var words: [UInt16] = []
        words.reserveCapacity(width * height * 3)
        for _ in 0..<height {
            for x in 0..<width {
                let value = UInt16(x * 1023 / max(1, width - 1))
                words += [value, value, value]
            }
        }
        let placeholder = PixelBuffer(
            width: width, height: height, channels: 3, pixels: [UInt8](repeating: 0, count: width * height * 3))
        return try HEIFCodec.encode(
            placeholder, avif: false, quality: 95, bits: 10, samples16: words,
            colour: HEIFCodec.Colour(transfer: transfer, primaries: primaries))
    }

    /// The quadrant image as WebP: lossy or lossless, with the right half half see-through when `alpha`.
    public static func webp(width: Int, height: Int, lossless: Bool = false, alpha: Bool = false) throws -> [UInt8] {
        let visual =
            alpha ? halfTransparent(quadrants(width: width, height: height)) : quadrants(width: width, height: height)
        return try WebPCodec.encode(visual, quality: 90, lossless: lossless)
    }

    /// Decodes any format the pipeline reads, with the module's own decoders.
    public static func decodeAny(_ bytes: [UInt8]) throws -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        let image: PixelBuffer
        switch ImageProbe.format(ofFileStart: Array(bytes.prefix(ImageProbe.signatureBytes))) {
        case .heif?: image = try HEIFCodec.decode(bytes, format: .heif, maxPixels: .max).image
        case .avif?: image = try HEIFCodec.decode(bytes, format: .avif, maxPixels: .max).image
        case .webp?: image = try WebPCodec.decode(bytes, maxPixels: .max).image
        default: return try decode(bytes)
        }
        return (image.width, image.height, image.channels, image.pixels)
    }

    /// RGBA: the right half at alpha 128.
    static func halfTransparent(_ rgb: PixelBuffer) -> PixelBuffer {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(rgb.width * rgb.height * 4)
        for y in 0..<rgb.height {
            for x in 0..<rgb.width {
                let index = (y * rgb.width + x) * 3
                pixels += rgb.pixels[index..<index + 3]
                pixels.append(x >= rgb.width / 2 ? 128 : 255)
            }
        }
        return PixelBuffer(width: rgb.width, height: rgb.height, channels: 4, pixels: pixels)
    }
}
