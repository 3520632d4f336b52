import Foundation
import Testing

@testable import Imaging
@testable import MemoriesTestSupport

/// WebP through the probe and the pipeline: lossy, lossless, alpha, animated (first frame) and damaged files.
@Suite("WebP")
struct WebPTests {
    /// Two 16×12 frames, red then blue, made with `img2webp -lossless` (libwebp 1.2.4): 144 bytes.
    static let animation = [UInt8](
        Data(
            base64Encoded:
                "UklGRogAAABXRUJQVlA4WAoAAAACAAAADwAACwAAQU5JTQYAAAD/////AABBTk1GKgAAAAAAAAAAAA8AAAsAAGQAAAJWUDhMEQAAAC8PwAIAB1CPItej/4GI6H8AAEFOTUYqAAAAAAAAAAAADwAACwAAZAAAAFZQOEwRAAAALw/AAgAHUI96FLn/gYjofwAA"
        )!)

    /// A still WebP rewrapped in the extended layout with an EXIF chunk after the image, as cameras write it.
    static func withExif(_ simple: [UInt8], width: Int, height: Int, exif: [UInt8]) -> [UInt8] {
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        func le24(_ value: Int) -> [UInt8] { (0..<3).map { UInt8((value >> (8 * $0)) & 0xFF) } }
        let imageChunk = Array(simple[12...])
        let vp8x = Array("VP8X".utf8) + le32(10) + [0x08, 0, 0, 0] + le24(width - 1) + le24(height - 1)
        var exifChunk = Array("EXIF".utf8) + le32(exif.count) + exif
        if exif.count % 2 == 1 { exifChunk.append(0) }
        let body = Array("WEBP".utf8) + vp8x + imageChunk + exifChunk
        return Array("RIFF".utf8) + le32(body.count) + body
    }

    @Test("lossy, lossless and alpha files give their size from the header and derivatives of the right kind")
    func kinds() throws {
        for (lossless, alpha) in [(false, false), (true, false), (false, true), (true, true)] {
            let file = try TestImages.webp(width: 90, height: 60, lossless: lossless, alpha: alpha)
            guard case .image(let header) = ImageProbe.probe(file, isComplete: true) else {
                Issue.record("not probed")
                continue
            }
            #expect(header.format == .webp && (header.width, header.height) == (90, 60))
            let result = try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions())
            #expect(result.display.format == (alpha ? .png : .jpeg), "lossless \(lossless) alpha \(alpha)")
            let display = try Fixtures.decode(result.display)
            #expect((display.width, display.height) == (90, 60))
            let topLeft = display.pixel(x: 10, y: 10).prefix(3).map(Int.init)
            #expect(abs(topLeft[0] - 220) < 20 && topLeft[1] < 60, "\(topLeft)")
        }
    }

    @Test("an animation gives its first frame")
    func animationFirstFrame() throws {
        guard case .image(let header) = ImageProbe.probe(Self.animation, isComplete: true) else {
            Issue.record("not probed")
            return
        }
        #expect((header.width, header.height) == (16, 12))
        let result = try ImagePipeline.makeDerivatives(from: Self.animation, options: PipelineOptions())
        let display = try Fixtures.decode(result.display)
        #expect(result.display.format == .jpeg)
        let pixel = display.pixel(x: 8, y: 6).map(Int.init)
        #expect(pixel[0] > 170 && pixel[2] < 80, "first frame is red: \(pixel)")
    }

    @Test("the EXIF chunk after the image gives the capture date; a prefix short of it asks for more")
    func exif() throws {
        let simple = try TestImages.webp(width: 40, height: 30, lossless: true)
        let tiff = Array(TestImages.exifSegment(orientation: 1, dateTimeOriginal: "2022:08:09 10:11:12").dropFirst(10))
        let file = Self.withExif(simple, width: 40, height: 30, exif: tiff)
        guard case .image(let header) = ImageProbe.probe(file, isComplete: true) else {
            Issue.record("not probed: \(ImageProbe.probe(file, isComplete: true))")
            return
        }
        #expect(header.captureDate == "2022-08-09T10:11:12")
        #expect(ImageProbe.probe(Array(file.prefix(file.count - 4)), isComplete: false) == .needMoreData)
        // The file still decodes: libwebp reads the extended layout.
        let result = try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions())
        #expect(result.display.width == 40)
    }

    @Test("too many pixels in the header is refused before decoding")
    func pixelLimit() throws {
        let file = try TestImages.webp(width: 64, height: 64)
        do {
            _ = try WebPCodec.decode(file, maxPixels: 64 * 63)
            Issue.record("decoded past the limit")
        } catch {
            #expect(error.code == .tooManyPixels)
        }
    }

    @Test("truncated and damaged files fail with a sentence, never a crash", arguments: [0.2, 0.5, 0.8, 0.97])
    func damaged(fraction: Double) throws {
        for file in [
            try TestImages.webp(width: 96, height: 64), try TestImages.webp(width: 96, height: 64, lossless: true),
            Self.animation,
        ] {
            let cut = Array(file.prefix(max(31, Int(Double(file.count) * fraction))))
            do {
                _ = try ImagePipeline.makeDerivatives(from: cut, options: PipelineOptions())
                Issue.record("a truncated file produced derivatives")
            } catch {
                #expect(error.code == .corrupt, "\(error)")
            }
        }
    }

    @Test("WebP twins are made beside the JPEGs, smaller at the same quality setting")
    func twins() throws {
        let result = try ImagePipeline.makeDerivatives(
            from: try TestImages.jpeg(width: 1600, height: 1200), options: PipelineOptions())
        let display = try #require(result.displayWebP)
        let thumbnail = try #require(result.thumbnailWebP)
        #expect((display.width, display.height) == (result.display.width, result.display.height))
        #expect((thumbnail.width, thumbnail.height) == (result.thumbnail.width, result.thumbnail.height))
        let decoded = try WebPCodec.decode(display.bytes, maxPixels: .max).image
        #expect(ImageCompare.ssim(decoded, try Fixtures.decode(result.display)) > 0.9)
        let none = try ImagePipeline.makeDerivatives(
            from: try TestImages.jpeg(width: 160, height: 120), options: PipelineOptions(makeWebP: false))
        #expect(none.displayWebP == nil && none.thumbnailWebP == nil && none.placeholder != nil)
    }
}
