import Testing

@testable import Imaging

/// CMYK and YCCK JPEGs with an embedded CMYK profile are converted to sRGB through it by Little CMS (perceptual
/// intent) and left untagged; without a usable CMYK profile the naive ink formula stays.
struct CMYKProfileTests {
    /// Inks (0 = none, 255 = full) of the patches: paper, pure inks, overprints, rich black, mid tones, a skin tone.
    static let inks: [[UInt8]] = [
        [0, 0, 0, 0], [255, 0, 0, 0], [0, 255, 0, 0], [0, 0, 255, 0], [0, 0, 0, 255], [255, 255, 0, 0],
        [0, 128, 128, 0], [128, 128, 128, 128], [20, 60, 80, 10], [60, 0, 200, 40],
    ]
    static let patch = 32

    /// One 32×32 patch per ink mix in a row, stored inverted as Adobe files do.
    static func patchFile(ycck: Bool = false, profile: [UInt8]?) throws -> [UInt8] {
        let width = patch * inks.count
        var samples = [UInt8](repeating: 0, count: width * patch * 4)
        for y in 0..<patch {
            for x in 0..<width {
                let ink = inks[x / patch]
                for channel in 0..<4 { samples[(y * width + x) * 4 + channel] = 255 - ink[channel] }
            }
        }
        return try JPEGCodec.encodeCMYK(
            invertedSamples: samples, width: width, height: patch, ycck: ycck, iccProfile: profile)
    }

    static func centres(of image: PixelBuffer) -> [[UInt8]] {
        (0..<inks.count).map { Array(image.pixel(x: $0 * patch + patch / 2, y: patch / 2)) }
    }

    static func naive(_ ink: [UInt8]) -> [UInt8] {
        let k = 255 - Int(ink[3])
        return (0..<3).map { UInt8(((255 - Int(ink[$0])) * k + 127) / 255) }
    }

    static func close(_ a: [UInt8], _ b: [UInt8], within tolerance: Int) -> Bool {
        zip(a, b).allSatisfy { abs(Int($0) - Int($1)) <= tolerance }
    }

    @Test(arguments: [false, true])
    func embeddedProfileConvertsLikeLittleCMS(ycck: Bool) throws {
        let profile = try LittleCMS.pressCMYKProfile()
        let decoded = try JPEGCodec.decode(
            try Self.patchFile(ycck: ycck, profile: profile), scaleDenominator: 1, maxPixels: .max)
        #expect(decoded.iccProfile == nil, "converted pixels are sRGB: the CMYK profile must not be carried")
        let expected = try LittleCMS.cmykToSRGB(
            Self.inks.flatMap { $0.map { 255 - $0 } }, profile: profile, reversed: true)
        var differsFromNaive = false
        for (index, actual) in Self.centres(of: decoded.image).enumerated() {
            let reference = Array(expected[(index * 3)..<(index * 3 + 3)])
            #expect(Self.close(actual, reference, within: 3), "ink \(Self.inks[index]): \(actual) vs lcms \(reference)")
            if !Self.close(reference, Self.naive(Self.inks[index]), within: 12) { differsFromNaive = true }
        }
        #expect(differsFromNaive, "the test profile should be far from the naive formula")
    }

    @Test func pipelineOutputIsConvertedAndUntagged() throws {
        let profile = try LittleCMS.pressCMYKProfile()
        let result = try ImagePipeline.makeDerivatives(
            from: try Self.patchFile(profile: profile), options: PipelineOptions(displaySize: 320, thumbnailSize: 64))
        #expect(result.display.format == .jpeg)
        let display = try JPEGCodec.decode(result.display.bytes, scaleDenominator: 1, maxPixels: .max)
        #expect(display.iccProfile == nil)
        let expected = try LittleCMS.cmykToSRGB(
            Self.inks.flatMap { $0.map { 255 - $0 } }, profile: profile, reversed: true)
        for (index, actual) in Self.centres(of: display.image).enumerated() {
            let reference = Array(expected[(index * 3)..<(index * 3 + 3)])
            #expect(Self.close(actual, reference, within: 8), "ink \(Self.inks[index]): \(actual) vs lcms \(reference)")
        }
    }

    @Test func withoutAUsableCMYKProfileTheNaiveFormulaStays() throws {
        var damaged = try LittleCMS.pressCMYKProfile()
        damaged.replaceSubrange(
            128..<min(damaged.count, 400), with: [UInt8](repeating: 0xEE, count: min(damaged.count, 400) - 128))
        let notCMYK: [[UInt8]?] = [nil, ICCProfileBuilder.displayP3(), try LittleCMS.grayProfile(), damaged]
        for profile in notCMYK {
            for ycck in [false, true] {
                let decoded = try JPEGCodec.decode(
                    try Self.patchFile(ycck: ycck, profile: profile), scaleDenominator: 1, maxPixels: .max)
                #expect(decoded.iccProfile == nil)
                for (index, actual) in Self.centres(of: decoded.image).enumerated() {
                    #expect(
                        Self.close(actual, Self.naive(Self.inks[index]), within: 3),
                        "ink \(Self.inks[index]) with \(profile.map { "\($0.count)-byte profile" } ?? "no profile"): \(actual)"
                    )
                }
            }
        }
    }

    @Test func scaledDecodeConvertsToo() throws {
        let profile = try LittleCMS.pressCMYKProfile()
        let decoded = try JPEGCodec.decode(try Self.patchFile(profile: profile), scaleDenominator: 2, maxPixels: .max)
        let expected = try LittleCMS.cmykToSRGB(Self.inks[1].map { 255 - $0 }, profile: profile, reversed: true)
        let cyan = Array(decoded.image.pixel(x: (Self.patch + Self.patch / 2) / 2, y: Self.patch / 4))
        #expect(Self.close(cyan, expected, within: 4), "\(cyan) vs \(expected)")
    }
}
