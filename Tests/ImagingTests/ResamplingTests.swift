import Testing

@testable import Imaging

/// Lanczos resampling and derivative size arithmetic.
struct ResamplingTests {
    @Test(arguments: [1, 2, 3, 4])
    func constantImageStaysConstant(channels: Int) {
        let value: [UInt8] = [200, 100, 50, 255].prefix(channels).map { $0 }
        let image = PixelBuffer(
            width: 123, height: 77, channels: channels, pixels: Array((0..<(123 * 77)).map { _ in value }.joined()))
        for (width, height) in [(50, 31), (122, 77), (7, 3), (1, 1), (123, 10)] {
            let resized = LanczosResampler.resize(image, width: width, height: height)
            #expect(resized.width == width && resized.height == height && resized.channels == channels)
            #expect(resized.pixels == Array((0..<(width * height)).map { _ in value }.joined()), "\(width)x\(height)")
        }
    }

    @Test(
        "Rows with padding (a decoder's planes) resize as the packed rows do, the padding never read",
        arguments: [1, 3, 4])
    func paddedRowsMatchPackedOnes(channels: Int) {
        let (width, height, pad) = (203, 117, 29)
        let image = Fixtures.noise(width: width, height: height, channels: channels)
        let row = width * channels
        // Each row followed by `pad` bytes of 0xFF, as a stride larger than the row.
        var padded: [UInt8] = []
        for y in 0..<height {
            padded += image.pixels[(y * row)..<((y + 1) * row)]
            padded += [UInt8](repeating: 0xFF, count: pad)
        }
        let vertical = LanczosResampler.AxisWeights(inputSize: height, outputSize: 35)
        let horizontal = LanczosResampler.AxisWeights(inputSize: width, outputSize: 61)
        let packed = LanczosResampler.resize(image, vertical: vertical, horizontal: horizontal)
        let strided = padded.withUnsafeBufferPointer { storage in
            LanczosResampler.resize(
                BorrowedPixels(
                    base: storage.baseAddress!, width: width, height: height, channels: channels, stride: row + pad),
                vertical: vertical, horizontal: horizontal)
        }
        #expect(strided == packed)
        let copy = padded.withUnsafeBufferPointer { storage in
            BorrowedPixels(
                base: storage.baseAddress!, width: width, height: height, channels: channels, stride: row + pad
            ).copied()
        }
        #expect(copy == image)
    }

    @Test("One channel matches a plain sum over the same weights (8-row strips and their leftovers)")
    func oneChannelMatchesADirectSum() {
        for (inWidth, inHeight, outWidth, outHeight) in [
            (203, 117, 61, 35), (64, 64, 8, 8), (30, 19, 7, 3), (9, 40, 9, 13),
        ] {
            let image = Fixtures.noise(width: inWidth, height: inHeight, channels: 1)
            let vertical = LanczosResampler.AxisWeights(inputSize: inHeight, outputSize: outHeight)
            let horizontal = LanczosResampler.AxisWeights(inputSize: inWidth, outputSize: outWidth)
            let resized = LanczosResampler.resize(image, vertical: vertical, horizontal: horizontal)
            var worst = 0.0
            for y in 0..<outHeight {
                for x in 0..<outWidth {
                    var sum = 0.0
                    for j in 0..<Int(vertical.counts[y]) {
                        let row = Int(vertical.starts[y]) + j
                        var rowSum = 0.0
                        for i in 0..<Int(horizontal.counts[x]) {
                            let column = Int(horizontal.starts[x]) + i
                            rowSum +=
                                Double(horizontal.weights[x * horizontal.taps + i])
                                * Double(image.pixels[row * inWidth + column])
                        }
                        sum += Double(vertical.weights[y * vertical.taps + j]) * rowSum
                    }
                    let expected = min(max(sum, 0), 255)
                    worst = max(worst, abs(expected - Double(resized.pixels[y * outWidth + x])))
                }
            }
            #expect(worst <= 0.51, "\(inWidth)x\(inHeight) → \(outWidth)x\(outHeight): off by \(worst)")
        }
    }

    @Test func fineStripesAverageInsteadOfAliasing() {
        // 1-pixel black/white columns: nearest neighbour would give pure black or white, a real filter grey.
        let width = 400
        let height = 4
        let pixels = (0..<(width * height)).map { UInt8(($0 % width) % 2 == 0 ? 0 : 255) }
        let resized = LanczosResampler.resize(
            PixelBuffer(width: width, height: height, channels: 1, pixels: pixels), width: 100, height: 4)
        for sample in resized.pixels {
            #expect(abs(Int(sample) - 128) <= 12, "sample \(sample)")
        }
    }

    @Test func gradientStaysMonotonic() {
        let width = 256
        let pixels = (0..<width).map { UInt8($0) }
        let resized = LanczosResampler.resize(
            PixelBuffer(width: width, height: 1, channels: 1, pixels: pixels), width: 64, height: 1)
        #expect(zip(resized.pixels, resized.pixels.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(abs(Int(resized.pixels[32]) - 130) <= 3)
    }

    @Test func transparentPixelsDoNotBleedColour() {
        // Left half opaque red, right half fully transparent green: the edge may fade out but never turn green.
        let width = 40
        let height = 4
        var pixels: [UInt8] = []
        for _ in 0..<height {
            for x in 0..<width { pixels += x < width / 2 ? [255, 0, 0, 255] : [0, 255, 0, 0] }
        }
        let image = PixelBuffer(width: width, height: height, channels: 4, pixels: pixels)
        let resized = LanczosResampler.resize(image.premultiplied(), width: 10, height: 2).unpremultiplied()
        for x in 0..<10 {
            let p = resized.pixel(x: x, y: 0)
            let (r, g, a) = (p[p.startIndex], p[p.startIndex + 1], p[p.startIndex + 3])
            if a > 8 { #expect(g <= 8 && r >= 240, "pixel \(x): \(Array(p))") }
        }
    }

    @Test func fitRoundsDownAndNeverEnlarges() {
        #expect(ImageGeometry.fit(width: 4032, height: 3024, inside: 1280) == (1280, 960))
        #expect(ImageGeometry.fit(width: 3024, height: 4032, inside: 1280) == (960, 1280))
        #expect(ImageGeometry.fit(width: 2164, height: 1626, inside: 1280) == (1280, 961))
        #expect(ImageGeometry.fit(width: 1280, height: 1280, inside: 400) == (400, 400))
        #expect(ImageGeometry.fit(width: 5000, height: 1, inside: 1280) == (1280, 1))
        #expect(ImageGeometry.fit(width: 1, height: 5000, inside: 400) == (1, 400))
        #expect(ImageGeometry.fit(width: 300, height: 200, inside: 1280) == (300, 200))
        #expect(ImageGeometry.fit(width: 1281, height: 1, inside: 1280) == (1280, 1))
    }

    @Test func dctScaleIsTheSmallestThatStillCoversTheTarget() {
        // 12 MP landscape to 1280x960: 1/2 gives 2016x1512, 1/4 would give 1008x756 (< target).
        #expect(
            ImageGeometry.jpegScaleDenominator(width: 4032, height: 3024, targetWidth: 1280, targetHeight: 960) == 2)
        // Exactly 1/8 is still enough.
        #expect(
            ImageGeometry.jpegScaleDenominator(width: 10240, height: 7680, targetWidth: 1280, targetHeight: 960) == 8)
        // Scaled sizes round up, so one pixel short of 1/8 still takes 1/8.
        #expect(
            ImageGeometry.jpegScaleDenominator(width: 10239, height: 7679, targetWidth: 1280, targetHeight: 960) == 8)
        #expect(
            ImageGeometry.jpegScaleDenominator(width: 10200, height: 7650, targetWidth: 1280, targetHeight: 960) == 4)
        #expect(ImageGeometry.jpegScaleDenominator(width: 600, height: 450, targetWidth: 600, targetHeight: 450) == 1)
        #expect(
            ImageGeometry.jpegScaleDenominator(width: 2048, height: 1536, targetWidth: 1280, targetHeight: 960) == 1)
        #expect(
            ImageGeometry.jpegScaleDenominator(width: 9643, height: 10328, targetWidth: 1195, targetHeight: 1280) == 8)
    }

    @Test func dctScaleLeavesTheDefaultHeadroomToTheResampler() {
        let headroom = PipelineOptions().decodeHeadroom
        #expect(headroom == 1.25)
        // 12 MP: 1/2 leaves 1.575x to Lanczos, enough to smooth the scaled IDCT's block edges.
        #expect(
            ImageGeometry.jpegScaleDenominator(
                width: 4032, height: 3024, targetWidth: 1280, targetHeight: 960, headroom: headroom) == 2)
        // 2725x2225 at 1/2 would leave only 1.065x: decoded whole instead.
        #expect(
            ImageGeometry.jpegScaleDenominator(
                width: 2725, height: 2225, targetWidth: 1280, targetHeight: 1045, headroom: headroom) == 1)
        // libvips' choice leaves at least 2x: the 12 MP photo is decoded whole.
        #expect(
            ImageGeometry.jpegScaleDenominator(
                width: 4032, height: 3024, targetWidth: 1280, targetHeight: 960, headroom: 2) == 1)
        #expect(PipelineOptions(decodeHeadroom: 0.5).decodeHeadroom == 1)
    }

    @Test func noUpscaling() throws {
        let file = try Fixtures.jpeg(Fixtures.quadrants(width: 300, height: 200))
        let result = try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions())
        #expect((result.display.width, result.display.height) == (300, 200))
        #expect((result.thumbnail.width, result.thumbnail.height) == (300, 200))
        let display = try Fixtures.decode(result.display)
        #expect((display.width, display.height) == (300, 200))
    }

    @Test func derivativeSizesFollowOptions() throws {
        let file = try Fixtures.jpeg(Fixtures.noise(width: 1000, height: 600, channels: 3), quality: 80)
        let result = try ImagePipeline.makeDerivatives(
            from: file, options: PipelineOptions(displaySize: 333, thumbnailSize: 100))
        #expect((result.display.width, result.display.height) == (333, 199))
        #expect((result.thumbnail.width, result.thumbnail.height) == (100, 59))
        let thumbnail = try Fixtures.decode(result.thumbnail)
        #expect((thumbnail.width, thumbnail.height) == (100, 59))
    }

    @Test func encodedJPEGIsProgressiveWithoutMetadata() throws {
        let exif = Fixtures.exifSegment(orientation: 1, dateTimeOriginal: "2020:01:02 03:04:05")
        let file = try Fixtures.jpeg(Fixtures.quadrants(width: 64, height: 64), segments: [exif])
        let result = try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions())
        let bytes = result.display.bytes
        let markers = Self.markers(bytes)
        #expect(markers.contains(0xC2), "progressive SOF2 expected, got \(markers.map { String($0, radix: 16) })")
        #expect(!markers.contains(0xE1), "no EXIF/XMP in derivatives")
    }

    /// Marker codes of the header segments up to the first scan.
    static func markers(_ file: [UInt8]) -> [UInt8] {
        var position = 2
        var found: [UInt8] = []
        while position + 4 <= file.count, file[position] == 0xFF {
            let marker = file[position + 1]
            found.append(marker)
            if marker == 0xDA { break }
            position += 2 + (Int(file[position + 2]) << 8 | Int(file[position + 3]))
        }
        return found
    }
}
