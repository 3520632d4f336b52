import Foundation
import Testing

@testable import Imaging
@testable import MemoriesTestSupport

/// HEIC and AVIF through the probe and the pipeline, on files libheif's encoders make here.
@Suite("HEIF and AVIF")
struct HEIFTests {
    static func write(_ bytes: [UInt8], _ ext: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("heif-\(UUID().uuidString).\(ext)")
            .path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The whole-size planes of the planar path, copied out of libheif's image; nil when it does not apply.
    static func decodePlanes(_ file: [UInt8], format: ImageFormat, maxPixels: Int) throws -> YCbCrPlanes? {
        try HEIFCodec.withDecodedPlanes(file, format: format, maxPixels: maxPixels) { planes in
            YCbCrPlanes(luma: planes.luma.copied(), cb: planes.cb.copied(), cr: planes.cr.copied())
        }
    }

    /// The colour at a fraction of the image (straight samples, first three channels).
    static func colour(_ image: PixelBuffer, x: Double, y: Double) -> [Int] {
        image.pixel(x: Int(Double(image.width) * x), y: Int(Double(image.height) * y)).prefix(3).map(Int.init)
    }

    static func isClose(_ actual: [Int], _ expected: (r: UInt8, g: UInt8, b: UInt8), tolerance: Int = 24) -> Bool {
        zip(actual, [Int(expected.r), Int(expected.g), Int(expected.b)]).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test("the probe reads brand, size after irot, and the EXIF capture date; never the EXIF orientation")
    func probe() throws {
        for avif in [false, true] {
            let file = try TestImages.heif(width: 64, height: 40, avif: avif, orientation: 6, exifOrientation: 6)
            guard case .image(let header) = ImageProbe.probe(file, isComplete: true) else {
                Issue.record("not probed: \(ImageProbe.probe(file, isComplete: true))")
                continue
            }
            #expect(header.format == (avif ? .avif : .heif))
            #expect((header.width, header.height) == (64, 40))
            #expect(header.orientation == 1)
            #expect(header.captureDate == "2023-04-05T06:07:08")
            // Any prefix short of the header asks for more; the whole file is needed for nothing else.
            for cut in [4, 11, 30, 200] where cut < file.count {
                #expect(ImageProbe.probe(Array(file.prefix(cut)), isComplete: false) == .needMoreData, "cut \(cut)")
            }
        }
    }

    @Test(
        "irot/imir are applied once and the EXIF orientation not again, for every orientation",
        arguments: [false, true], 1...8)
    func orientation(avif: Bool, orientation: Int) throws {
        let file = try TestImages.heif(
            width: 96, height: 64, avif: avif, orientation: orientation, exifOrientation: orientation)
        let result = try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions())
        let display = try Fixtures.decode(result.display)
        #expect((display.width, display.height) == (96, 64), "orientation \(orientation)")
        for (x, y) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
            let expected = TestImages.expectedColor(atX: x, y: y)
            #expect(Self.isClose(Self.colour(display, x: x, y: y), expected), "orientation \(orientation) at \(x),\(y)")
        }
    }

    @Test(
        "our display matches pillow-heif's decode of the same file",
        .enabled(if: IndependentDecoder.isAvailable, IndependentDecoder.skipReason), arguments: [3, 6, 8])
    func matchesIndependentDecoder(orientation: Int) throws {
        let file = try TestImages.heif(width: 120, height: 80, orientation: orientation, exifOrientation: orientation)
        let path = try Self.write(file, "heic")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ours = try Fixtures.decode(
            ImagePipeline.makeDerivatives(fromFile: path, options: PipelineOptions()).display)
        let theirs = try IndependentDecoder.decode(path)
        #expect((ours.width, ours.height) == (theirs.width, theirs.height))
        #expect(ImageCompare.ssim(ours, theirs) > 0.95)
    }

    @Test(
        "8-bit opaque HEIC and AVIF go the planar way (no RGB image) and look as the RGB decode does; alpha and 10-bit do not",
        arguments: [false, true])
    func planarPath(avif: Bool) throws {
        // Odd sizes and a rotation: the planes' chroma rounding and libheif's transform on 4:2:0.
        let file = try TestImages.heif(width: 97, height: 63, avif: avif, orientation: 6, exifOrientation: 6)
        let planar = try #require(try Self.decodePlanes(file, format: avif ? .avif : .heif, maxPixels: .max))
        let rgb = try HEIFCodec.decode(file, format: avif ? .avif : .heif, maxPixels: .max).image
        #expect((planar.width, planar.height) == (rgb.width, rgb.height))
        #expect(ImageCompare.ssim(planar.rgb(), rgb) > 0.97)
        let display = try Fixtures.decode(ImagePipeline.makeDerivatives(from: file, options: PipelineOptions()).display)
        #expect((display.width, display.height) == (rgb.width, rgb.height))
        #expect(ImageCompare.ssim(display, rgb) > 0.95)

        let transparent = try TestImages.heif(width: 40, height: 30, avif: avif, alpha: true)
        #expect(try Self.decodePlanes(transparent, format: avif ? .avif : .heif, maxPixels: .max) == nil)
        let deep = try TestImages.heif10Bit(width: 32, height: 8, transfer: 13, primaries: 1)
        #expect(try Self.decodePlanes(deep, format: .heif, maxPixels: .max) == nil)
        #expect(throws: ImagingError.self) {
            try Self.decodePlanes(file, format: .heif, maxPixels: 97 * 63 - 1)
        }
    }

    @Test("alpha gives transparent PNG derivatives")
    func alpha() throws {
        let file = try TestImages.heif(width: 80, height: 60, avif: true, alpha: true)
        let result = try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions())
        #expect(result.display.format == .png && result.thumbnail.format == .png)
        let display = try Fixtures.decode(result.display)
        #expect(display.channels == 4)
        #expect(display.pixel(x: 10, y: 10).last == 255)
        #expect(abs(Int(display.pixel(x: 70, y: 10).last!) - 128) <= 8)
        // The WebP twin keeps the alpha as well.
        let twin = try WebPCodec.decode(try #require(result.displayWebP).bytes, maxPixels: .max).image
        #expect(twin.channels == 4 && abs(Int(twin.pixel(x: 70, y: 10).last!) - 128) <= 8)
    }

    @Test("a 10-bit SDR image is rescaled: its full signal is white, its middle grey is middle grey")
    func tenBitSDR() throws {
        let file = try TestImages.heif10Bit(width: 64, height: 16, transfer: 13, primaries: 1)
        let decoded = try HEIFCodec.decode(file, format: .heif, maxPixels: .max)
        #expect(decoded.bitDepth == 10 && !decoded.convertedToSRGB)
        #expect(Int(Array(decoded.image.pixel(x: 63, y: 8))[0]) >= 250)
        #expect(abs(Int(Array(decoded.image.pixel(x: 32, y: 8))[0]) - 129) <= 6)
    }

    @Test("a 10-bit PQ image is tone-mapped: reference white near white, nothing dark or clipped wholesale")
    func tenBitPQ() throws {
        let file = try TestImages.heif10Bit(width: 256, height: 8, transfer: 16, primaries: 9)
        let decoded = try HEIFCodec.decode(file, format: .heif, maxPixels: .max)
        #expect(decoded.bitDepth == 10 && decoded.convertedToSRGB)
        let row = (0..<256).map { Int(Array(decoded.image.pixel(x: $0, y: 4))[1]) }
        // PQ 58% is 203 cd/m², HDR reference white: bright, but not yet the top.
        let referenceWhite = row[Int(0.58 * 255)]
        #expect((200...250).contains(referenceWhite), "reference white \(referenceWhite)")
        // Monotonic ramp (allowing codec noise), black at the start, white only near the 1000 cd/m² peak (PQ 75%):
        // 500 cd/m² (PQ 68%) still has room above it.
        #expect(row[0] <= 8 && row[255] >= 250)
        #expect(row[Int(0.68 * 255)] < 250, "500 cd/m² \(row[Int(0.68 * 255)])")
        #expect(zip(row, row.dropFirst(8)).allSatisfy { $1 >= $0 - 3 })
        // A plain shift of the PQ code values (what a naive decoder shows) would give 148 at 58%.
        #expect(referenceWhite > 170)
    }

    @Test("nclx Display P3 without an ICC profile is converted to sRGB")
    func displayP3Converted() throws {
        let file = try TestImages.heif10Bit(width: 32, height: 8, transfer: 13, primaries: 12)
        let decoded = try HEIFCodec.decode(file, format: .heif, maxPixels: .max)
        #expect(decoded.convertedToSRGB && decoded.iccProfile == nil)
        // A neutral ramp stays neutral through the primaries' conversion (same white point).
        let pixel = decoded.image.pixel(x: 20, y: 4).map(Int.init)
        #expect(abs(pixel[0] - pixel[1]) <= 3 && abs(pixel[1] - pixel[2]) <= 3, "\(pixel)")
    }

    @Test("too many pixels in the header is refused before decoding")
    func pixelLimit() throws {
        let file = try TestImages.heif(width: 64, height: 64)
        #expect(throws: ImagingError.self) {
            try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions(maxPixels: 64 * 63))
        }
        do {
            _ = try HEIFCodec.decode(file, format: .heif, maxPixels: 100)
            Issue.record("decoded past the limit")
        } catch {
            #expect(error.code == .tooManyPixels)
        }
    }

    @Test("truncated and damaged files fail with a sentence, never a crash", arguments: [0.3, 0.6, 0.9, 0.99])
    func truncated(fraction: Double) throws {
        let file = try TestImages.heif(width: 96, height: 64, exifOrientation: 1)
        let cut = Array(file.prefix(Int(Double(file.count) * fraction)))
        do {
            _ = try ImagePipeline.makeDerivatives(from: cut, options: PipelineOptions())
            Issue.record("a truncated file produced derivatives")
        } catch {
            #expect(error.code == .corrupt, "\(error)")
            #expect(!error.message.isEmpty)
        }
        var flipped = file
        for index in stride(from: file.count / 2, to: file.count, by: 97) { flipped[index] ^= 0x5A }
        do {
            _ = try ImagePipeline.makeDerivatives(from: flipped, options: PipelineOptions())
        } catch {
            #expect([.corrupt, .tooManyPixels].contains(error.code), "\(error)")
        }
    }

    @Test("a generic mif1 brand with an AVIF compatible brand is AVIF; other ftyp brands are not images")
    func brands() {
        func ftyp(_ major: String, _ compatible: [String]) -> [UInt8] {
            let brands = Array(major.utf8) + [0, 0, 0, 0] + compatible.flatMap { Array($0.utf8) }
            let size = 8 + brands.count
            return [0, 0, 0, UInt8(size)] + Array("ftyp".utf8) + brands
        }
        #expect(HEIFHeaderParser.sniff(ftyp("mif1", ["mif1", "avif"])) == .avif)
        #expect(HEIFHeaderParser.sniff(ftyp("mif1", ["mif1", "heic"])) == .heif)
        for brand in ["heic", "heix", "heim", "heis", "mif1", "msf1"] {
            #expect(HEIFHeaderParser.sniff(ftyp(brand, [])) == .heif, "\(brand)")
        }
        #expect(HEIFHeaderParser.sniff(ftyp("avis", [])) == .avif)
        #expect(HEIFHeaderParser.sniff(ftyp("isom", ["mp41"])) == nil)
        #expect(ImageProbe.probe(ftyp("isom", ["mp41"]), isComplete: true) == .notAnImage)
    }
}
