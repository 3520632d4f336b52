import Foundation
import Testing

@testable import Imaging

/// Embedded ICC profiles are carried into the derivatives unchanged, with the pixels left in the profile's space:
/// a Display P3 photo stays Display P3 (browsers colour-manage JPEGs), rather than being clipped to sRGB.
struct ColourProfileTests {
    /// A wide-gamut photo: saturated and mid-tone patches, tagged Display P3.
    static func displayP3JPEG(profile: [UInt8] = ICCProfileBuilder.displayP3()) throws -> [UInt8] {
        let visual = PixelBuffer(
            width: 640, height: 480, channels: 3,
            pixels: (0..<(640 * 480)).flatMap { index -> [UInt8] in
                let x = index % 640
                return x < 320 ? [255, 0, 0] : [60, 160, 90]
            })
        return try Fixtures.jpeg(visual, quality: 95, segments: ICCProfileBuilder.app2Segments(profile))
    }

    @Test func displayP3ProfileIsCarriedIntoBothDerivatives() throws {
        let profile = ICCProfileBuilder.displayP3()
        let result = try ImagePipeline.makeDerivatives(
            from: try Self.displayP3JPEG(profile: profile),
            options: PipelineOptions(
                displaySize: 320, thumbnailSize: 100))
        for image in [result.display, result.thumbnail] {
            #expect(image.format == .jpeg)
            let decoded = try JPEGCodec.decode(image.bytes, scaleDenominator: 1, maxPixels: .max)
            #expect(decoded.iccProfile == profile, "\(image.width)x\(image.height) lost its profile")
            // The numbers are the original P3 values, not a conversion: P3 (60,160,90) lies outside sRGB, where it
            // would become about (0,162,82).
            let sample = decoded.image.pixel(x: decoded.image.width * 3 / 4, y: decoded.image.height / 2)
            #expect(
                zip(sample, [60, 160, 90] as [UInt8]).allSatisfy { abs(Int($0) - Int($1)) <= 4 }, "\(Array(sample))")
            let red = decoded.image.pixel(x: decoded.image.width / 4, y: decoded.image.height / 2)
            #expect(red[red.startIndex] >= 240 && red[red.startIndex + 1] <= 15, "\(Array(red))")
        }
    }

    @Test func profileSplitOverSeveralSegmentsIsReassembled() throws {
        // 40 KB of padding in a private tag makes the profile span one APP2 segment per 16 KB chunk.
        let profile = ICCProfileBuilder.displayP3(padding: 40_000)
        let file = try Self.displayP3JPEG(profile: profile)
        let result = try ImagePipeline.makeDerivatives(
            from: file, options: PipelineOptions(displaySize: 200, thumbnailSize: 50))
        #expect(
            try JPEGCodec.decode(result.thumbnail.bytes, scaleDenominator: 1, maxPixels: .max).iccProfile == profile)
    }

    @Test func oversizedProfileIsNotCopied() throws {
        // Above 64 KB a profile would outweigh the thumbnail itself; such files keep their numbers untagged.
        let file = try Self.displayP3JPEG(profile: ICCProfileBuilder.displayP3(padding: 70_000))
        let result = try ImagePipeline.makeDerivatives(
            from: file, options: PipelineOptions(displaySize: 200, thumbnailSize: 50))
        #expect(try JPEGCodec.decode(result.display.bytes, scaleDenominator: 1, maxPixels: .max).iccProfile == nil)
    }

    @Test func grayJPEGDropsAnRGBProfile() throws {
        // A profile that does not describe the decoded samples would mislead every viewer.
        let gray = Fixtures.noise(width: 64, height: 48, channels: 1)
        let file = try Fixtures.jpeg(gray, segments: ICCProfileBuilder.app2Segments(ICCProfileBuilder.displayP3()))
        let result = try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions())
        let decoded = try JPEGCodec.decode(result.display.bytes, scaleDenominator: 1, maxPixels: .max)
        #expect(decoded.image.channels == 1)
        #expect(decoded.iccProfile == nil)
    }

    @Test func builtProfileIsWellFormed() {
        let profile = ICCProfileBuilder.displayP3()
        #expect(Int(profile[0]) << 24 | Int(profile[1]) << 16 | Int(profile[2]) << 8 | Int(profile[3]) == profile.count)
        #expect(Array(profile[36..<40]) == Array("acsp".utf8))
        #expect(Array(profile[16..<20]) == Array("RGB ".utf8))
    }
}

/// Builds small ICC v2 matrix/TRC display profiles, so that no test needs a profile file.
enum ICCProfileBuilder {
    /// Display P3 (D50-adapted primaries as in Apple's profile, gamma 2.2 curves); `padding` adds a private tag.
    static func displayP3(padding: Int = 0) -> [UInt8] {
        var tags: [(String, [UInt8])] = [
            ("desc", textDescription("Display P3 (test)")),
            ("wtpt", xyz(0.9642, 1.0, 0.8249)),
            ("rXYZ", xyz(0.5151, 0.2412, -0.0011)),
            ("gXYZ", xyz(0.2920, 0.6922, 0.0419)),
            ("bXYZ", xyz(0.1571, 0.0666, 0.7841)),
            ("rTRC", gamma(2.2)), ("gTRC", gamma(2.2)), ("bTRC", gamma(2.2)),
            ("cprt", Array("text".utf8) + [0, 0, 0, 0] + Array("No copyright, test data\0".utf8)),
        ]
        if padding > 0 {
            tags.append(("mmry", Array("data".utf8) + [0, 0, 0, 1] + [UInt8](repeating: 0x5A, count: padding)))
        }

        var table: [UInt8] = be32(tags.count)
        var data: [UInt8] = []
        var offset = 128 + 4 + 12 * tags.count
        for (signature, body) in tags {
            let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
            table += Array(signature.utf8) + be32(offset) + be32(body.count)
            data += padded
            offset += padded.count
        }
        var header = [UInt8](repeating: 0, count: 128)
        header.replaceSubrange(0..<4, with: be32(128 + table.count + data.count))
        header.replaceSubrange(8..<12, with: [0x02, 0x10, 0, 0])
        header.replaceSubrange(12..<16, with: Array("mntr".utf8))
        header.replaceSubrange(16..<20, with: Array("RGB ".utf8))
        header.replaceSubrange(20..<24, with: Array("XYZ ".utf8))
        header.replaceSubrange(36..<40, with: Array("acsp".utf8))
        header.replaceSubrange(68..<80, with: s15Fixed16(0.9642) + s15Fixed16(1.0) + s15Fixed16(0.8249))
        return header + table + data
    }

    /// The profile as JPEG APP2 "ICC_PROFILE" segments (chunks of at most 16 KB, numbered from 1).
    static func app2Segments(_ profile: [UInt8]) -> [[UInt8]] {
        let chunkSize = 16_384
        let chunks = stride(from: 0, to: profile.count, by: chunkSize).map {
            Array(profile[$0..<min($0 + chunkSize, profile.count)])
        }
        return chunks.enumerated().map { index, chunk in
            Fixtures.segment(
                marker: 0xE2, payload: Array("ICC_PROFILE\0".utf8) + [UInt8(index + 1), UInt8(chunks.count)] + chunk)
        }
    }

    static func be32(_ value: Int) -> [UInt8] {
        [
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
    }

    static func s15Fixed16(_ value: Double) -> [UInt8] {
        be32(Int((value * 65536).rounded()))
    }

    static func xyz(_ x: Double, _ y: Double, _ z: Double) -> [UInt8] {
        Array("XYZ ".utf8) + [0, 0, 0, 0] + s15Fixed16(x) + s15Fixed16(y) + s15Fixed16(z)
    }

    static func gamma(_ value: Double) -> [UInt8] {
        let fixed = Int((value * 256).rounded())  // u8Fixed8Number
        return Array("curv".utf8) + [0, 0, 0, 0] + be32(1) + [UInt8(fixed >> 8), UInt8(fixed & 0xFF)]
    }

    static func textDescription(_ text: String) -> [UInt8] {
        let ascii = Array(text.utf8) + [0]
        // ASCII part, then empty Unicode (language code, count) and ScriptCode (code, count, 67 bytes) parts.
        return Array("desc".utf8) + [0, 0, 0, 0] + be32(ascii.count) + ascii + be32(0) + be32(0) + [0, 0, 0]
            + [UInt8](repeating: 0, count: 67)
    }
}
