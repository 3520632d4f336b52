import CLCMS2
import Testing

@testable import Imaging

/// A PNG's iCCP profile is carried into both derivatives like a JPEG's APP2 profile: pixels untouched, the profile
/// written as APP2 segments into JPEG derivatives and as iCCP into PNG ones.
struct PNGColourProfileTests {
    /// 64×48 RGB(A) in two halves: saturated red and a mid-tone green outside sRGB when read as Display P3.
    static func twoTone(alpha: Bool) -> TestPNG {
        let channels = alpha ? 4 : 3
        var samples: [Int] = []
        samples.reserveCapacity(64 * 48 * channels)
        for index in 0..<(64 * 48) {
            let x = index % 64
            let y = index / 64
            samples += x < 32 ? [255, 0, 0] : [60, 160, 90]
            if alpha { samples.append(y < 8 ? 0 : 255) }
        }
        return TestPNG(width: 64, height: 48, colorType: alpha ? .rgba : .rgb, samples: samples)
    }

    static func gray(alpha: Bool = false) -> TestPNG {
        let samples = (0..<(40 * 30)).flatMap { index -> [Int] in
            let value = (index % 40) * 6
            return alpha ? [value, index < 40 ? 0 : 255] : [value]
        }
        return TestPNG(width: 40, height: 30, colorType: alpha ? .grayAlpha : .gray, samples: samples)
    }

    static func profile(of image: EncodedImage) throws -> [UInt8]? {
        switch image.format {
        case .jpeg: try JPEGCodec.decode(image.bytes, scaleDenominator: 1, maxPixels: .max).iccProfile
        case .png: try PNGCodec.decodeWithProfile(image.bytes, maxPixels: .max).iccProfile
        case .heif, .avif: try HEIFCodec.decode(image.bytes, format: image.format, maxPixels: .max).iccProfile
        case .webp: try WebPCodec.decode(image.bytes, maxPixels: .max).iccProfile
        }
    }

    @Test func opaqueRGBPNGCarriesItsProfileIntoBothJPEGDerivatives() throws {
        let profile = ICCProfileBuilder.displayP3()
        var png = Self.twoTone(alpha: false)
        png.headerChunks = [TestPNG.iccp(profile)]
        #expect(try PNGCodec.decodeWithProfile(png.encode(), maxPixels: .max).iccProfile == profile)

        let result = try ImagePipeline.makeDerivatives(
            from: png.encode(), options: PipelineOptions(displaySize: 32, thumbnailSize: 16))
        for image in [result.display, result.thumbnail] {
            #expect(image.format == .jpeg)
            #expect(try Self.profile(of: image) == profile, "\(image.width)x\(image.height) lost its profile")
            // The numbers stay the P3 ones, no conversion.
            let decoded = try JPEGCodec.decode(image.bytes, scaleDenominator: 1, maxPixels: .max).image
            let green = decoded.pixel(x: decoded.width * 7 / 8, y: decoded.height / 2)
            #expect(zip(green, [60, 160, 90] as [UInt8]).allSatisfy { abs(Int($0) - Int($1)) <= 6 }, "\(Array(green))")
        }
    }

    @Test func transparentPNGCarriesItsProfileIntoBothPNGDerivatives() throws {
        let profile = ICCProfileBuilder.displayP3()
        var png = Self.twoTone(alpha: true)
        png.headerChunks = [TestPNG.iccp(profile, name: "Display P3")]
        let result = try ImagePipeline.makeDerivatives(
            from: png.encode(), options: PipelineOptions(displaySize: 32, thumbnailSize: 16))
        for image in [result.display, result.thumbnail] {
            #expect(image.format == .png)
            #expect(try Self.profile(of: image) == profile, "\(image.width)x\(image.height) lost its profile")
        }
    }

    @Test func grayPNGKeepsAGrayProfile() throws {
        let profile = try LittleCMS.grayProfile()
        for alpha in [false, true] {
            var png = Self.gray(alpha: alpha)
            png.headerChunks = [TestPNG.iccp(profile)]
            let result = try ImagePipeline.makeDerivatives(
                from: png.encode(), options: PipelineOptions(displaySize: 20, thumbnailSize: 10))
            #expect(result.display.format == (alpha ? .png : .jpeg))
            #expect(try Self.profile(of: result.display) == profile)
            #expect(try Self.profile(of: result.thumbnail) == profile)
        }
    }

    @Test func grayPNGDropsAnRGBProfile() throws {
        // libpng itself refuses an RGB profile on gray pixels; the derivative must not carry it either.
        var png = Self.gray()
        png.headerChunks = [TestPNG.iccp(ICCProfileBuilder.displayP3())]
        let result = try ImagePipeline.makeDerivatives(from: png.encode(), options: PipelineOptions())
        #expect(try Self.profile(of: result.display) == nil)
        #expect(try JPEGCodec.decode(result.display.bytes, scaleDenominator: 1, maxPixels: .max).image.channels == 1)
    }

    @Test func rgbPNGDropsAGrayProfileAndSRGBChunkMeansNothingToCarry() throws {
        var tagged = Self.twoTone(alpha: false)
        tagged.headerChunks = [TestPNG.iccp(try LittleCMS.grayProfile())]
        var srgb = Self.twoTone(alpha: false)
        srgb.headerChunks = [TestPNG.chunk("sRGB", [0])]
        for png in [tagged, srgb] {
            let result = try ImagePipeline.makeDerivatives(from: png.encode(), options: PipelineOptions())
            #expect(try Self.profile(of: result.display) == nil)
            #expect(try Self.profile(of: result.thumbnail) == nil)
        }
    }

    @Test func damagedOrOversizedProfilesAreDroppedAndThePixelsKept() throws {
        var truncated = ICCProfileBuilder.displayP3()
        truncated.removeLast(40)  // the header's size no longer matches
        let oversized = ICCProfileBuilder.displayP3(padding: 70_000)
        for profile in [truncated, oversized, [UInt8](repeating: 7, count: 300)] {
            var png = Self.twoTone(alpha: true)
            png.headerChunks = [TestPNG.iccp(profile)]
            let result = try ImagePipeline.makeDerivatives(
                from: png.encode(), options: PipelineOptions(displaySize: 32, thumbnailSize: 16))
            #expect(result.display.width == 32)
            #expect(try Self.profile(of: result.display) == nil)
        }
    }

    @Test func encoderLeavesOutAProfileThatDoesNotFitThePixels() throws {
        // A gray PNG with an RGB profile would be invalid: libpng drops the chunk, the encode still succeeds.
        let gray = PixelBuffer(width: 4, height: 4, channels: 1, pixels: [UInt8](repeating: 99, count: 16))
        let bytes = try PNGCodec.encode(gray, iccProfile: ICCProfileBuilder.displayP3())
        let decoded = try PNGCodec.decodeWithProfile(bytes, maxPixels: .max)
        #expect(decoded.image == gray)
        #expect(decoded.iccProfile == nil)
    }
}
