import CImageCodecs
import Testing

@testable import Imaging

/// The planar JPEG path (YCbCr planes from jpeg_read_raw_data to jpeg_write_raw_data, no RGB in between):
/// every chroma layout, DCT scale, odd size and orientation, against the RGB path it replaces.
struct YCbCrPathTests {
    /// Luma sampling factors of each layout (chroma is 1×1).
    static let layouts: [String: (horizontal: Int, vertical: Int)] = [
        "4:4:4": (1, 1), "4:2:2": (2, 1), "4:4:0": (1, 2), "4:2:0": (2, 2),
    ]

    /// Gradients over four coloured quadrants: smooth areas, sharp edges and every hue family.
    static func scene(width: Int, height: Int) -> PixelBuffer {
        var pixels = [UInt8]()
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let quadrant = Fixtures.quadrantColor(right: x >= width / 2, bottom: y >= height / 2)
                let gx = x * 255 / max(1, width - 1)
                let gy = y * 255 / max(1, height - 1)
                pixels.append(UInt8((Int(quadrant.r) + gx) / 2))
                pixels.append(UInt8((Int(quadrant.g) + gy) / 2))
                pixels.append(UInt8((Int(quadrant.b) + (gx + gy) / 2) / 2))
            }
        }
        return PixelBuffer(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// JFIF luma of each RGB pixel, as floats.
    static func luma(_ image: PixelBuffer) -> [Double] {
        if image.channels == 1 { return image.pixels.map(Double.init) }
        return stride(from: 0, to: image.pixels.count, by: image.channels).map { (index: Int) -> Double in
            let red: Double = 0.299 * Double(image.pixels[index])
            let green: Double = 0.587 * Double(image.pixels[index + 1])
            let blue: Double = 0.114 * Double(image.pixels[index + 2])
            return red + green + blue
        }
    }

    /// Planes back to RGB (nearest chroma sample, JFIF equations), for comparisons with the RGB decoder.
    static func rgb(_ planes: YCbCrPlanes) -> PixelBuffer {
        var pixels = [UInt8]()
        pixels.reserveCapacity(planes.width * planes.height * 3)
        func clamp(_ value: Double) -> UInt8 { UInt8(max(0, min(255, value.rounded()))) }
        for y in 0..<planes.height {
            for x in 0..<planes.width {
                let luma = Double(planes.luma.pixel(x: x, y: y).first!)
                let cb: Double = Double(planes.cb.pixel(x: x / 2, y: y / 2).first!) - 128
                let cr: Double = Double(planes.cr.pixel(x: x / 2, y: y / 2).first!) - 128
                let green: Double = luma - 0.344136 * cb - 0.714136 * cr
                pixels.append(clamp(luma + 1.402 * cr))
                pixels.append(clamp(green))
                pixels.append(clamp(luma + 1.772 * cb))
            }
        }
        return PixelBuffer(width: planes.width, height: planes.height, channels: 3, pixels: pixels)
    }

    /// Mean SSIM of two luma images (7×7 uniform windows, as the benchmark and scikit-image).
    static func ssim(_ a: [Double], _ b: [Double], width: Int, height: Int) -> Double {
        precondition(a.count == width * height && b.count == a.count && width >= 7 && height >= 7)
        let c1 = pow2(0.01 * 255)
        let c2 = pow2(0.03 * 255)
        let n = 49.0
        var total = 0.0
        for top in 0...(height - 7) {
            for left in 0...(width - 7) {
                var sa = 0.0
                var sb = 0.0
                var saa = 0.0
                var sbb = 0.0
                var sab = 0.0
                for y in top..<(top + 7) {
                    for x in left..<(left + 7) {
                        let va = a[y * width + x]
                        let vb = b[y * width + x]
                        sa += va
                        sb += vb
                        saa += va * va
                        sbb += vb * vb
                        sab += va * vb
                    }
                }
                let ma = sa / n
                let mb = sb / n
                let correction = n / (n - 1)
                let va: Double = (saa / n - ma * ma) * correction
                let vb: Double = (sbb / n - mb * mb) * correction
                let cov: Double = (sab / n - ma * mb) * correction
                let numerator: Double = (2 * ma * mb + c1) * (2 * cov + c2)
                let denominator: Double = (ma * ma + mb * mb + c1) * (va + vb + c2)
                total += numerator / denominator
            }
        }
        return total / Double((height - 6) * (width - 6))
    }

    static func pow2(_ value: Double) -> Double { value * value }

    @Test(
        "Every common chroma layout decodes to 4:2:0 planes that match the RGB decoder",
        arguments: ["4:4:4", "4:2:2", "4:4:0", "4:2:0"], [1, 2, 4, 8])
    func layoutAndScale(layout: String, denominator: Int) throws {
        let image = Self.scene(width: 203, height: 151)
        let file = try JPEGCodec.encode(image, quality: 95, progressive: false, lumaSampling: Self.layouts[layout]!)
        let planes = try #require(try JPEGCodec.decodePlanes(file, scaleDenominator: denominator, maxPixels: .max))
            .planes
        let rgb = try JPEGCodec.decode(file, scaleDenominator: denominator, maxPixels: .max).image

        #expect(
            (planes.width, planes.height) == (
                (203 + denominator - 1) / denominator, (151 + denominator - 1) / denominator
            ))
        #expect((planes.width, planes.height) == (rgb.width, rgb.height))
        #expect((planes.cb.width, planes.cb.height) == ((planes.width + 1) / 2, (planes.height + 1) / 2))
        let lumaError =
            zip(Self.luma(rgb), planes.luma.pixels).map { abs($0 - Double($1)) }.reduce(0, +)
            / Double(rgb.width * rgb.height)
        #expect(lumaError < 1, "luma differs by \(lumaError) on average")
        let colourError = Fixtures.meanAbsoluteDifference(Self.rgb(planes), rgb)
        // At 1/8 the 26×19 image is mostly quadrant edges, where this nearest-sample chroma differs most from
        // libjpeg's smooth upsampling.
        #expect(colourError < (denominator == 8 ? 5 : 3), "colour differs by \(colourError) on average")
    }

    /// The decoder writes into planes sized from the header it read first; planes of any other size are refused
    /// before a pixel is written, and a file cut short fails instead of leaving planes half made.
    @Test func planesMustMatchTheHeadersLayout() throws {
        let file = try JPEGCodec.encode(Self.scene(width: 37, height: 21), quality: 90, lumaSampling: (2, 2))
        var layout = cimg_ycc_layout()
        var status = cimg_status()
        #expect(cjpeg_ycc_layout(file, file.count, 2, .max, &layout, &status) == Int32(CIMG_OK.rawValue))
        #expect((layout.width, layout.height, layout.chroma_width, layout.chroma_height) == (19, 11, 10, 6))
        var wrong = layout
        wrong.width -= 1
        var luma = [UInt8](repeating: 0, count: 19 * 11)
        var cb = [UInt8](repeating: 0, count: 60)
        var cr = [UInt8](repeating: 0, count: 60)
        var icc: UnsafeMutablePointer<UInt8>?
        var iccLength = 0
        let refused = cjpeg_decode_ycc(file, file.count, 2, .max, &wrong, &luma, &cb, &cr, &icc, &iccLength, &status)
        #expect(refused == Int32(CIMG_ERR_INVALID_ARGUMENT.rawValue))
        #expect(luma.allSatisfy { $0 == 0 })

        let truncated = Array(file.prefix(file.count * 2 / 3))
        #expect(throws: ImagingError.self) {
            _ = try JPEGCodec.decodePlanes(truncated, scaleDenominator: 1, maxPixels: .max)
        }
    }

    @Test func grayCMYKAndUncommonLayoutsAreNotPlanar() throws {
        let gray = try JPEGCodec.encode(Fixtures.noise(width: 32, height: 16, channels: 1), quality: 90)
        #expect(try JPEGCodec.decodePlanes(gray, scaleDenominator: 1, maxPixels: .max) == nil)
        // 4:1:1 falls back to the RGB path and still makes both derivatives.
        let image = Self.scene(width: 64, height: 48)
        let file = try JPEGCodec.encode(image, quality: 90, lumaSampling: (4, 1))
        #expect(try JPEGCodec.decodePlanes(file, scaleDenominator: 1, maxPixels: .max) == nil)
        let result = try ImagePipeline.makeDerivatives(
            from: file, options: PipelineOptions(displaySize: 32, thumbnailSize: 16))
        #expect((result.display.width, result.display.height) == (32, 24))
        #expect(
            Fixtures.meanAbsoluteDifference(
                try Fixtures.decode(result.display), LanczosResampler.resize(image, width: 32, height: 24)) < 6)
    }

    @Test("Planes turn like pixels, chroma keeping half the luma size", arguments: 1...8)
    func orientation(orientation: Int) {
        let luma = PixelBuffer(width: 7, height: 5, channels: 1, pixels: (0..<35).map { UInt8($0) })
        let cb = PixelBuffer(width: 4, height: 3, channels: 1, pixels: (0..<12).map { UInt8(100 + $0) })
        let cr = PixelBuffer(width: 4, height: 3, channels: 1, pixels: (0..<12).map { UInt8(200 + $0) })
        let turned = YCbCrPlanes(luma: luma, cb: cb, cr: cr).applyingOrientation(orientation)
        #expect(turned.luma == luma.applyingOrientation(orientation))
        #expect(turned.cb == cb.applyingOrientation(orientation))
        #expect(turned.cr == cr.applyingOrientation(orientation))
        #expect((turned.width, turned.height) == (orientation >= 5 ? (5, 7) : (7, 5)))
    }

    @Test(
        "Odd and tiny sizes keep a flat colour flat to the last row and column",
        arguments: ["4:4:4", "4:2:2", "4:4:0", "4:2:0"], [(1, 1), (2, 1), (1, 3), (3, 5), (17, 3), (45, 31)])
    func oddSizes(layout: String, size: (Int, Int)) throws {
        let colour: [UInt8] = [200, 60, 90]
        let image = PixelBuffer(
            width: size.0, height: size.1, channels: 3,
            pixels: (0..<(size.0 * size.1)).flatMap { _ in colour })
        let file = try JPEGCodec.encode(image, quality: 95, progressive: false, lumaSampling: Self.layouts[layout]!)
        let result = try ImagePipeline.makeDerivatives(
            from: file, options: PipelineOptions(displaySize: 16, thumbnailSize: 4))
        for derivative in [result.display, result.thumbnail] {
            let decoded = try Fixtures.decode(derivative)
            #expect(decoded.width == derivative.width && decoded.height == derivative.height)
            let worst = zip(decoded.pixels, (0..<decoded.pixels.count).map { colour[$0 % 3] })
                .map { abs(Int($0) - Int($1)) }.max()!
            #expect(
                worst <= 8, "\(layout) \(size) → \(derivative.width)×\(derivative.height): a sample is off by \(worst)")
        }
    }

    @Test(
        "The planar derivatives are as close to a careful reference as the RGB path's",
        arguments: ["4:4:4", "4:2:0"], [1, 6])
    func qualityMatchesTheRGBPath(layout: String, orientation: Int) throws {
        let visual = Self.scene(width: 601, height: 451)
        let stored = Fixtures.stored(visual, orientation: orientation)
        let exif = Fixtures.exifSegment(orientation: orientation, bigEndian: false)
        let file = try Fixtures.jpegWithSampling(stored, lumaSampling: Self.layouts[layout]!, segments: [exif])
        let options = PipelineOptions(displaySize: 256, thumbnailSize: 96)
        let planar = try ImagePipeline.makeDerivatives(from: file, options: options)

        // The RGB path, step by step, at the same DCT scale.
        let storedTarget = orientation >= 5 ? (width: 192, height: 256) : (width: 256, height: 192)
        let denominator = ImageGeometry.jpegScaleDenominator(
            width: stored.width, height: stored.height, targetWidth: storedTarget.width,
            targetHeight: storedTarget.height, headroom: options.decodeHeadroom)
        let decoded = try JPEGCodec.decode(file, scaleDenominator: denominator, maxPixels: .max).image
        let rgbDisplay = LanczosResampler.resize(decoded, width: storedTarget.width, height: storedTarget.height)
            .applyingOrientation(orientation)
        let rgbThumbnail = LanczosResampler.resize(rgbDisplay, width: 96, height: 72)
        let rgbDisplayFile = try JPEGCodec.encode(rgbDisplay, quality: options.displayQuality)
        let rgbThumbnailFile = try JPEGCodec.encode(rgbThumbnail, quality: options.thumbnailQuality)

        for (derivative, rgbFile) in [(planar.display, rgbDisplayFile), (planar.thumbnail, rgbThumbnailFile)] {
            let ours = try Fixtures.decode(derivative)
            let theirs = try JPEGCodec.decode(rgbFile, scaleDenominator: 1, maxPixels: .max).image
            #expect((ours.width, ours.height) == (theirs.width, theirs.height))
            let reference = LanczosResampler.resize(visual, width: ours.width, height: ours.height)
            let oursSSIM = Self.ssim(Self.luma(reference), Self.luma(ours), width: ours.width, height: ours.height)
            let theirsSSIM = Self.ssim(Self.luma(reference), Self.luma(theirs), width: ours.width, height: ours.height)
            #expect(oursSSIM >= theirsSSIM - 0.002, "planar SSIM \(oursSSIM), RGB path \(theirsSSIM)")
            #expect(Fixtures.meanAbsoluteDifference(ours, theirs) < 2.5)
        }
    }

    @Test func planarEncoderRoundTrips() throws {
        let image = Self.scene(width: 99, height: 37)
        let file = try JPEGCodec.encode(image, quality: 100, progressive: false)
        let planes = try #require(try JPEGCodec.decodePlanes(file, scaleDenominator: 1, maxPixels: .max)).planes
        for progressive in [false, true] {
            let encoded = try JPEGCodec.encode(planes, quality: 98, progressive: progressive)
            let again = try #require(try JPEGCodec.decodePlanes(encoded, scaleDenominator: 1, maxPixels: .max)).planes
            #expect(Fixtures.meanAbsoluteDifference(again.luma, planes.luma) < 1.5)
            #expect(Fixtures.meanAbsoluteDifference(again.cb, planes.cb) < 1.5)
            #expect(Fixtures.meanAbsoluteDifference(again.cr, planes.cr) < 1.5)
        }
    }
}

extension Fixtures {
    /// A baseline JPEG with the given luma sampling factors and `segments` inserted after SOI.
    static func jpegWithSampling(
        _ image: PixelBuffer, lumaSampling: (horizontal: Int, vertical: Int), segments: [[UInt8]] = []
    ) throws -> [UInt8] {
        let encoded = try JPEGCodec.encode(image, quality: 95, progressive: false, lumaSampling: lumaSampling)
        return Array(encoded[0..<2]) + segments.flatMap { $0 } + Array(encoded[2...])
    }
}

/// The filter adjustments of the planar display: exact DCT-scale ratios and the folded-in sharpening.
struct DCTScaleCompensationTests {
    @Test func sharpenedWeightsStillSumToOneAndReachOneTapFurther() {
        let plain = LanczosResampler.AxisWeights(inputSize: 2016, outputSize: 1280)
        let sharp = LanczosResampler.AxisWeights(inputSize: 2016, outputSize: 1280, sharpening: 0.05)
        #expect(sharp.taps % 8 == 0 && sharp.taps >= plain.taps)
        for index in [0, 1, 640, 1279] {
            let start = index * sharp.taps
            let count = Int(sharp.counts[index])
            let sum = sharp.weights[start..<(start + count)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-4, "output \(index) sums to \(sum)")
            #expect(count <= Int(plain.counts[index]) + 2)
        }
        // A flat input stays flat; an edge changes.
        let edge = PixelBuffer(width: 64, height: 1, channels: 1, pixels: (0..<64).map { $0 < 32 ? 60 : 180 })
        let flat = PixelBuffer(width: 64, height: 1, channels: 1, pixels: [UInt8](repeating: 99, count: 64))
        #expect(LanczosResampler.resize(flat, width: 40, height: 1, sharpening: 0.05).pixels.allSatisfy { $0 == 99 })
        let sharpened = LanczosResampler.resize(edge, width: 40, height: 1, sharpening: 0.05).pixels
        let plainEdge = LanczosResampler.resize(edge, width: 40, height: 1).pixels
        #expect(sharpened != plainEdge)
    }

    @Test func decodedScaleUsesTheStoredSizeNotTheRoundedUpOne() {
        let scale = ImageGeometry.decodedScale(width: 3872, height: 2403, denominator: 2, target: (1280, 794))
        #expect(abs(scale.x - 1936.0 / 1280) < 1e-12)
        #expect(abs(scale.y - 1201.5 / 794) < 1e-12)
    }

    @Test("An odd-sized photo decoded at 1/2 keeps its bottom rows in place")
    func oddHeightStaysAligned() throws {
        // Horizontal stripes 8 rows apart: any vertical drift shows at the bottom of the display.
        let width = 1001
        let height = 801
        let visual = PixelBuffer(
            width: width, height: height, channels: 3,
            pixels: (0..<(width * height)).flatMap { index -> [UInt8] in
                let value: UInt8 = (index / width / 8) % 2 == 0 ? 40 : 210
                return [value, value, value]
            })
        let file = try JPEGCodec.encode(visual, quality: 95, progressive: false)
        let result = try ImagePipeline.makeDerivatives(
            from: file, options: PipelineOptions(displaySize: 400, thumbnailSize: 100))
        let display = try Fixtures.decode(result.display)
        let reference = LanczosResampler.resize(visual, width: display.width, height: display.height)
        let rows = display.height / 5
        let bottom = (display.height - rows)..<display.height
        var total = 0
        for y in bottom {
            for x in 0..<display.width {
                total += abs(Int(display.pixel(x: x, y: y).first!) - Int(reference.pixel(x: x, y: y).first!))
            }
        }
        let error = Double(total) / Double(rows * display.width)
        #expect(error < 12, "bottom rows differ by \(error) on average")
    }
}
