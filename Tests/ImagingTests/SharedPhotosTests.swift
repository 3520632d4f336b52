import Foundation
import Testing

@testable import Imaging

/// Locates the optional real-photo corpus next to the repository (never copied into it).
enum SharedPhotos {
    /// `$MEMORIES_SHARED_PHOTOS`, else `<repo>/../shared/photos` with the repo root three levels above this file.
    static let root: URL = {
        if let override = ProcessInfo.processInfo.environment["MEMORIES_SHARED_PHOTOS"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        // Symlinks resolved so that a scratch package linking to this folder still finds the real repository.
        return URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent()  // ImagingTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repository root
            .appendingPathComponent("../shared/photos")
            .standardizedFileURL
    }()

    static var isAvailable: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// "folder/name" of every JPEG/PNG in the given sub-folders; empty when the corpus is missing.
    static func files(in folders: [String]) -> [String] {
        folders.flatMap { folder in
            let names =
                (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
            return names.filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }
                .sorted()
                .map { "\(folder)/\($0)" }
        }
    }

    static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// Files that are broken on purpose and must fail cleanly.
    static func isDeliberatelyBroken(_ relative: String) -> Bool {
        let name = (relative as NSString).lastPathComponent
        if name.hasPrefix("truncated-") { return true }
        // PngSuite: the x* files are the corrupt ones.
        return relative.hasPrefix("pngsuite/") && name.hasPrefix("x")
    }
}

/// Runs the pipeline over the real-photo corpus in `../shared/photos` when it exists.
@Suite(
    .enabled(
        if: SharedPhotos.isAvailable,
        "../shared/photos not found (set MEMORIES_SHARED_PHOTOS to run the real-photo corpus)"))
struct SharedPhotosTests {
    @Test(
        "Every phone and edge file gives derivatives or a clean error",
        arguments: SharedPhotos.files(in: ["phone", "edge"]))
    func corpusFile(_ relative: String) throws {
        let result: Derivatives
        do {
            result = try ImagePipeline.makeDerivatives(
                fromFile: SharedPhotos.path(relative), options: PipelineOptions())
        } catch {
            #expect(SharedPhotos.isDeliberatelyBroken(relative), "\(error)")
            #expect(error.code == .corrupt, "\(error)")
            return
        }
        #expect(!SharedPhotos.isDeliberatelyBroken(relative), "a broken file produced derivatives")
        let fitted = ImageGeometry.fit(
            width: result.header.orientedWidth, height: result.header.orientedHeight, inside: 1280)
        #expect((result.display.width, result.display.height) == fitted)
        #expect(max(result.thumbnail.width, result.thumbnail.height) <= 400)
        let display = try Fixtures.decode(result.display)
        #expect((display.width, display.height) == fitted)
        // Not a grey or black frame: real photos have spread-out samples (every 7th sample is plenty).
        let samples = stride(from: 0, to: display.pixels.count, by: 7).map { Int(display.pixels[$0]) }
        let mean = samples.reduce(0, +) / samples.count
        let spread = samples.reduce(0) { $0 + abs($1 - mean) } / samples.count
        #expect(spread > 5, "display looks flat (mean \(mean), spread \(spread))")
    }

    @Test("PngSuite: valid files decode, x* files fail cleanly", arguments: SharedPhotos.files(in: ["pngsuite"]))
    func pngSuite(_ relative: String) {
        do {
            let result = try ImagePipeline.makeDerivatives(
                fromFile: SharedPhotos.path(relative), options: PipelineOptions())
            #expect(!SharedPhotos.isDeliberatelyBroken(relative), "a broken file produced derivatives")
            #expect(result.display.width == result.header.orientedWidth)
        } catch {
            #expect(SharedPhotos.isDeliberatelyBroken(relative), "\(error)")
        }
    }

    @Test func orientationSamplesAgree() throws {
        // Each orient-landscape_N.jpg shows its own digit, so "identical" means: same size and close pixels.
        // Files 2...8 come from one export (with an ICC profile) and differ by about 3/255 when oriented right;
        // file 1 is a separate Photoshop export about 14/255 brighter. A wrong rotation or mirror gives 50+.
        var displays: [Int: PixelBuffer] = [:]
        for n in 1...8 {
            let result = try ImagePipeline.makeDerivatives(
                fromFile: SharedPhotos.path("edge/orient-landscape_\(n).jpg"), options: PipelineOptions())
            #expect(result.header.orientation == n)
            displays[n] = try Fixtures.decode(result.display)
        }
        let reference = try #require(displays[2])
        for n in 1...8 {
            let display = try #require(displays[n])
            #expect((display.width, display.height) == (600, 450), "orientation \(n)")
            let difference = Fixtures.meanAbsoluteDifference(display, reference)
            #expect(difference < (n == 1 ? 20 : 6), "orientation \(n): mean absolute difference \(difference)")
        }
        // The test can fail: a mirrored image is far from the reference.
        let mirrored = try #require(displays[2]).applyingOrientation(2)
        #expect(Fixtures.meanAbsoluteDifference(mirrored, reference) > 30)
    }

    @Test func cmykMatchesItsRGBSource() throws {
        // synthetic-cmyk-orient6 was made from monstree IMG_1038 by ImageMagick (Adobe-inverted CMYK):
        // a wrong inversion gives a photographic negative, far off.
        let cmyk = try Fixtures.decode(
            ImagePipeline.makeDerivatives(
                fromFile: SharedPhotos.path("edge/synthetic-cmyk-orient6-iphone7-2000.jpg"), options: PipelineOptions()
            ).display)
        let rgb = try Fixtures.decode(
            ImagePipeline.makeDerivatives(
                fromFile: SharedPhotos.path("phone/monstree-iphone7-IMG_1038.jpg"), options: PipelineOptions()
            ).display)
        #expect((cmyk.width, cmyk.height) == (rgb.width, rgb.height))
        let difference = Fixtures.meanAbsoluteDifference(cmyk, rgb)
        #expect(difference < 20, "mean absolute difference \(difference)")
    }

    @Test func progressiveMatchesBaseline() throws {
        // The same coefficients, once baseline and once progressive (jpegtran): identical derivatives.
        let baseline = try ImagePipeline.makeDerivatives(
            fromFile: SharedPhotos.path("phone/exifsamples-jolla.jpg"), options: PipelineOptions())
        let progressive = try ImagePipeline.makeDerivatives(
            fromFile: SharedPhotos.path("edge/progressive-jolla-8mp-from-phone.jpg"), options: PipelineOptions())
        let difference = Fixtures.meanAbsoluteDifference(
            try Fixtures.decode(baseline.display), try Fixtures.decode(progressive.display))
        #expect(difference < 1, "mean absolute difference \(difference)")
    }

    @Test func hugeImageHonoursThePixelLimit() throws {
        let path = SharedPhotos.path("edge/huge-9643x10328-thumbor.jpg")
        #expect(throws: ImagingError.self) {
            try ImagePipeline.makeDerivatives(fromFile: path, options: PipelineOptions(maxPixels: 50_000_000))
        }
        let result = try ImagePipeline.makeDerivatives(fromFile: path, options: PipelineOptions())
        #expect((result.display.width, result.display.height) == (1195, 1280))
    }

    @Test func realDisplayP3PhotoKeepsItsProfile() throws {
        // The iPhone 7 photos carry Apple's Display P3 profile: the wide-gamut sample of a real phone. Both
        // derivatives must carry it byte for byte, or a browser would show their P3 numbers as sRGB (duller).
        let path = SharedPhotos.path("phone/monstree-iphone7-IMG_1025.jpg")
        let original = try JPEGCodec.decode(try FileReader.readAll(path), scaleDenominator: 8, maxPixels: .max)
        let profile = try #require(original.iccProfile, "the iPhone 7 photo has lost its ICC profile")
        #expect(Array(profile[16..<20]) == Array("RGB ".utf8))
        #expect(String(decoding: profile, as: UTF8.self).contains("Display P3"))
        let result = try ImagePipeline.makeDerivatives(fromFile: path, options: PipelineOptions())
        for image in [result.display, result.thumbnail] {
            #expect(image.format == .jpeg)
            let decoded = try JPEGCodec.decode(image.bytes, scaleDenominator: 1, maxPixels: .max)
            #expect(decoded.iccProfile == profile, "\(image.width)x\(image.height) lost the Display P3 profile")
        }
    }

    @Test func grayscaleJPEGStaysGray() throws {
        let result = try ImagePipeline.makeDerivatives(
            fromFile: SharedPhotos.path("edge/gray-orient6-immich-portrait.jpg"), options: PipelineOptions())
        let display = try Fixtures.decode(result.display)
        #expect(display.channels == 1)
        #expect((display.width, display.height) == (result.header.orientedWidth, result.header.orientedHeight))
    }
}

/// Makes the absence of the corpus visible in the test log instead of silently passing.
@Test func sharedPhotosPresence() {
    if SharedPhotos.isAvailable {
        print("shared photos: \(SharedPhotos.root.path)")
    } else {
        print("skipped: ../shared/photos not found (looked in \(SharedPhotos.root.path))")
    }
}
