import Testing

@testable import Imaging

/// PNG inputs of every colour type through the pipeline; fixtures come from the independent `TestPNG` writer.
struct PNGTests {
    static let width = 40
    static let height = 30

    static func run(_ png: TestPNG, options: PipelineOptions = PipelineOptions()) throws -> (Derivatives, PixelBuffer) {
        let result = try ImagePipeline.makeDerivatives(from: png.encode(), options: options)
        return (result, try Fixtures.decode(result.display))
    }

    /// RGBA samples: left half opaque, right half with alpha `rightAlpha`.
    static func rgba(rightAlpha: Int) -> [Int] {
        var samples: [Int] = []
        for _ in 0..<height {
            for x in 0..<width { samples += x < width / 2 ? [200, 40, 40, 255] : [40, 40, 200, rightAlpha] }
        }
        return samples
    }

    @Test func rgbaWithTransparencyStaysPNGWithAlpha() throws {
        let (result, display) = try Self.run(
            TestPNG(width: Self.width, height: Self.height, colorType: .rgba, samples: Self.rgba(rightAlpha: 100)))
        #expect(result.display.format == .png && result.thumbnail.format == .png)
        #expect(display.channels == 4)
        #expect(Array(display.pixel(x: 5, y: 5)) == [200, 40, 40, 255])
        let right = Array(display.pixel(x: 35, y: 5))
        #expect(abs(Int(right[3]) - 100) <= 1 && abs(Int(right[2]) - 200) <= 2, "\(right)")
        #expect(try Fixtures.decode(result.thumbnail).channels == 4)
    }

    @Test func opaqueRGBABecomesJPEG() throws {
        let (result, display) = try Self.run(
            TestPNG(width: Self.width, height: Self.height, colorType: .rgba, samples: Self.rgba(rightAlpha: 255)))
        #expect(result.display.format == .jpeg && result.thumbnail.format == .jpeg)
        #expect(display.channels == 3)
    }

    @Test func resizedTransparentPNG() throws {
        let png = TestPNG(
            width: 400, height: 300, colorType: .rgba,
            samples: Array((0..<(400 * 300)).map { _ in [10, 20, 30, 0] }.joined()))
        let (result, display) = try Self.run(png, options: PipelineOptions(displaySize: 100, thumbnailSize: 50))
        #expect((display.width, display.height, display.channels) == (100, 75, 4))
        #expect(display.pixels.enumerated().allSatisfy { $0.offset % 4 != 3 || $0.element == 0 })
        #expect((result.thumbnail.width, result.thumbnail.height) == (50, 37))
    }

    @Test func paletteWithTransparency() throws {
        let palette: [Fixtures.RGB] = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
        let samples = (0..<(Self.width * Self.height)).map { ($0 % Self.width) * 4 / Self.width }
        let (result, display) = try Self.run(
            TestPNG(
                width: Self.width, height: Self.height, colorType: .palette, bitDepth: 2,
                samples: samples, palette: palette, transparency: [255, 255, 0]))
        #expect(result.display.format == .png)
        #expect(Array(display.pixel(x: 2, y: 2)) == [255, 0, 0, 255])
        #expect(display.pixel(x: 25, y: 2).last == 0)  // index 2 is transparent
        #expect(Array(display.pixel(x: 38, y: 2)) == [255, 255, 255, 255])  // index 3 has no tRNS entry: opaque
    }

    @Test func paletteWithoutTransparencyBecomesJPEG() throws {
        let palette: [Fixtures.RGB] = (0..<256).map { (UInt8($0), UInt8(255 - $0), 128) }
        let samples = (0..<(Self.width * Self.height)).map { $0 % 256 }
        let (result, display) = try Self.run(
            TestPNG(width: Self.width, height: Self.height, colorType: .palette, samples: samples, palette: palette))
        #expect(result.display.format == .jpeg && display.channels == 3)
    }

    @Test func sixteenBitRGB() throws {
        var samples: [Int] = []
        for _ in 0..<Self.height {
            for x in 0..<Self.width {
                samples += x < Self.width / 2 ? [0xFFFF, 0x0000, 0x8080] : [0x0101, 0xFEFE, 0x2020]
            }
        }
        let (result, display) = try Self.run(
            TestPNG(width: Self.width, height: Self.height, colorType: .rgb, bitDepth: 16, samples: samples))
        #expect(result.display.format == .jpeg)
        let left = Array(display.pixel(x: 5, y: 15))
        let right = Array(display.pixel(x: 34, y: 15))
        #expect(zip(left, [255, 0, 128]).allSatisfy { abs(Int($0) - $1) <= 8 }, "\(left)")
        #expect(zip(right, [1, 254, 32]).allSatisfy { abs(Int($0) - $1) <= 8 }, "\(right)")
    }

    @Test("Grayscale stays grayscale at every bit depth", arguments: [1, 2, 4, 8, 16])
    func grayscale(bitDepth: Int) throws {
        let maxValue = (1 << bitDepth) - 1
        let samples = (0..<(Self.width * Self.height)).map { ($0 % Self.width) < Self.width / 2 ? 0 : maxValue }
        let (result, display) = try Self.run(
            TestPNG(width: Self.width, height: Self.height, colorType: .gray, bitDepth: bitDepth, samples: samples))
        #expect(result.display.format == .jpeg)
        #expect(display.channels == 1)
        #expect(display.pixel(x: 3, y: 3).first! <= 8 && display.pixel(x: 36, y: 3).first! >= 247)
    }

    @Test func grayWithAlphaAndGrayWithTRNS() throws {
        let ga = (0..<(Self.width * Self.height)).flatMap { [$0 % 256, ($0 % Self.width) < 20 ? 255 : 0] }
        let (gaResult, gaDisplay) = try Self.run(
            TestPNG(width: Self.width, height: Self.height, colorType: .grayAlpha, samples: ga))
        #expect(gaResult.display.format == .png && gaDisplay.channels == 2)

        // tRNS on a gray image marks one gray level (here 0) as transparent.
        let gray = (0..<(Self.width * Self.height)).map { ($0 % Self.width) < 20 ? 0 : 200 }
        let (trnsResult, trnsDisplay) = try Self.run(
            TestPNG(
                width: Self.width, height: Self.height, colorType: .gray, samples: gray, transparency: [0, 0]))
        #expect(trnsResult.display.format == .png && trnsDisplay.channels == 2)
        #expect(Array(trnsDisplay.pixel(x: 2, y: 2)) == [0, 0] && Array(trnsDisplay.pixel(x: 30, y: 2)) == [200, 255])
    }

    @Test(arguments: [TestPNG.ColorType.rgb, .rgba, .gray, .grayAlpha])
    func interlacedMatchesNonInterlaced(colorType: TestPNG.ColorType) throws {
        let width = 13
        let height = 11  // odd sizes exercise partial Adam7 passes
        let samples = Fixtures.noise(width: width, height: height, channels: colorType.channels).pixels.map(Int.init)
        let plain = TestPNG(width: width, height: height, colorType: colorType, samples: samples)
        var interlaced = plain
        interlaced.interlaced = true
        let a = try PNGCodec.decode(plain.encode(), maxPixels: .max)
        let b = try PNGCodec.decode(interlaced.encode(), maxPixels: .max)
        #expect(a == b)
        #expect(a.pixels == samples.map { UInt8($0) })
        #expect(
            try ImagePipeline.makeDerivatives(from: interlaced.encode(), options: PipelineOptions()).display.width
                == width)
    }

    @Test(arguments: [1, 2, 3, 4])
    func encoderRoundTrip(channels: Int) throws {
        let image = Fixtures.noise(width: 17, height: 9, channels: channels)
        #expect(try PNGCodec.decode(PNGCodec.encode(image), maxPixels: .max) == image)
    }
}
