import Foundation
import Testing

@testable import Imaging

/// The real HEIC, AVIF and WebP photos of `../shared/photos/formats` (iPhone grid with Display P3, Samsung motion
/// photo, 10-bit HDR AVIF, WebP, a truncated HEIC), checked against pillow-heif where it can decode them.
@Suite(
    .enabled(
        if: SharedPhotos.isAvailable && FileManager.default.fileExists(atPath: SharedPhotos.path("formats")),
        "../shared/photos/formats not found (set MEMORIES_SHARED_PHOTOS to run the HEIC/AVIF/WebP corpus)"))
struct SharedFormatsTests {
    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: SharedPhotos.path("formats"))) ?? []
        return names.filter { ["heic", "avif", "webp"].contains(($0 as NSString).pathExtension) }.sorted()
            .map { "formats/\($0)" }
    }()

    @Test("every file gives derivatives (or, broken on purpose, a clean error)", arguments: files)
    func corpusFile(_ relative: String) throws {
        let result: Derivatives
        do {
            result = try ImagePipeline.makeDerivatives(
                fromFile: SharedPhotos.path(relative), options: PipelineOptions())
        } catch {
            #expect(SharedPhotos.isDeliberatelyBroken(relative), "\(error)")
            #expect(error.code == .corrupt && error.message.contains("HEIC"), "\(error)")
            return
        }
        #expect(!SharedPhotos.isDeliberatelyBroken(relative), "a broken file produced derivatives")
        let fitted = ImageGeometry.fit(width: result.header.width, height: result.header.height, inside: 1280)
        #expect((result.display.width, result.display.height) == fitted)
        #expect(result.displayWebP != nil && result.thumbnailWebP != nil && result.placeholder != nil)
        // WebP twins at the same quality setting are smaller than the JPEGs (the README's table has the figures).
        if let webp = result.displayWebP, result.display.format == .jpeg {
            #expect(webp.bytes.count < result.display.bytes.count)
        }
    }

    @Test(
        "HEIC and AVIF displays match pillow-heif's decode (SDR: SSIM ≥ 0.95)",
        .enabled(if: IndependentDecoder.isAvailable, IndependentDecoder.skipReason),
        arguments: files.filter { !$0.contains("HDR") && !$0.contains("truncated") && !$0.hasSuffix(".webp") })
    func matchesPillowHeif(_ relative: String) throws {
        let path = SharedPhotos.path(relative)
        let result = try ImagePipeline.makeDerivatives(fromFile: path, options: PipelineOptions())
        let ours = try Fixtures.decode(result.display)
        let theirs = try IndependentDecoder.decode(path, resizedTo: (ours.width, ours.height))
        let ssim = ImageCompare.ssim(ours, theirs)
        #expect(ssim >= 0.95, "SSIM \(ssim)")
        // The same picture, not a rotated one: turned a half, it no longer matches (unless it looks the same turned,
        // as the Samsung's plain wall does).
        if ImageCompare.ssim(ours.applyingOrientation(3), ours) < 0.8 {
            #expect(ImageCompare.ssim(ours.applyingOrientation(3), theirs) < 0.8)
        }
    }

    @Test(
        "the 10-bit PQ AVIF is tone-mapped: brighter than a plain code-value shift, hardly clipped, same picture",
        .enabled(if: IndependentDecoder.isAvailable, IndependentDecoder.skipReason))
    func hdrAVIF() throws {
        let path = SharedPhotos.path("formats/immich-10bit-HDR-P3-nclx.avif")
        let decoded = try HEIFCodec.decode(try FileReader.readAll(path), format: .avif, maxPixels: .max)
        #expect(decoded.bitDepth == 10 && decoded.convertedToSRGB)
        let result = try ImagePipeline.makeDerivatives(fromFile: path, options: PipelineOptions())
        let ours = try Fixtures.decode(result.display)
        // pillow-heif shifts the 10-bit PQ code values to 8 bits: the structure is right, the tones flat and dim.
        let shifted = try IndependentDecoder.decode(path, resizedTo: (ours.width, ours.height))
        #expect(ImageCompare.ssim(ours, shifted) > 0.6)
        #expect(ImageCompare.meanLuma(ours) > ImageCompare.meanLuma(shifted) + 10)
        let clipped = ImageCompare.luma(ours).filter { $0 >= 254.5 }.count
        #expect(Double(clipped) / Double(ours.width * ours.height) < 0.05)
    }

    @Test("the iPhone HEIC: EXIF capture date, offset and camera; Display P3 profile in the derivatives; grid whole")
    func iPhone() throws {
        let path = SharedPhotos.path("formats/immich-iphone-IMG_2682.heic")
        let bytes = try FileReader.readAll(path)
        guard case .image(let header) = ImageProbe.probe(bytes, isComplete: true) else {
            Issue.record("not probed")
            return
        }
        #expect(header.format == .heif && (header.width, header.height) == (4032, 3024))
        #expect(header.captureDate != nil)
        #expect(header.cameraMake == "Apple")
        #expect(header.cameraModel?.hasPrefix("iPhone") == true)
        let result = try ImagePipeline.makeDerivatives(fromFile: path, options: PipelineOptions())
        let profile = try JPEGCodec.decode(result.display.bytes, scaleDenominator: 1, maxPixels: .max).iccProfile
        #expect(profile != nil, "the Display P3 profile travels into the display JPEG")
        #expect(try WebPCodec.decode(try #require(result.displayWebP).bytes, maxPixels: .max).iccProfile == profile)
        // Grid tiles joined without seams: no row or column of the display differs sharply from both neighbours
        // at the 512-pixel tile edges (scaled to the display: every 162.5 pixels).
        let display = try Fixtures.decode(result.display)
        let luma = ImageCompare.luma(display)
        for tile in 1..<8 {
            let x = Int(Double(tile) * 512 * Double(display.width) / 4032)
            var jump = 0.0
            var neighbours = 0.0
            for y in 0..<display.height {
                let row = y * display.width
                jump += abs(luma[row + x] - luma[row + x - 1])
                neighbours += abs(luma[row + x - 1] - luma[row + x - 2])
            }
            #expect(jump < neighbours * 2 + Double(display.height), "seam at tile column \(tile)")
        }
    }

    @Test("the Samsung motion photo is a still; its video stays in the original")
    func motionPhoto() throws {
        let path = SharedPhotos.path("formats/immich-samsung-motionphoto.heic")
        let result = try ImagePipeline.makeDerivatives(fromFile: path, options: PipelineOptions())
        #expect((result.header.width, result.header.height) == (3000, 4000))
        #expect((result.display.width, result.display.height) == (960, 1280))
    }
}
