import Foundation
import Testing

@testable import Imaging

/// Damaged, empty, missing and oversized inputs must end in the right `ImagingError`, never a crash.
struct ErrorTests {
    static func expectError(
        _ code: ImagingError.Code, _ file: [UInt8], options: PipelineOptions = PipelineOptions(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let result = try ImagePipeline.makeDerivatives(from: file, options: options)
            Issue.record(
                "expected \(code), got a \(result.display.width)x\(result.display.height) image",
                sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(!error.message.isEmpty && !error.message.contains("/"), "\(error)", sourceLocation: sourceLocation)
        }
    }

    static let noisyJPEG: [UInt8] = try! Fixtures.jpeg(
        Fixtures.noise(width: 256, height: 192, channels: 3), quality: 90)

    static let progressiveJPEG: [UInt8] = try! Fixtures.jpeg(
        Fixtures.noise(width: 256, height: 192, channels: 3), quality: 90, progressive: true)

    @Test("Truncated baseline JPEG is corrupt, at any cut", arguments: [0.1, 0.5, 0.9, 0.99, 0.999])
    func truncatedJPEG(fraction: Double) {
        #expect(!ResamplingTests.markers(Self.noisyJPEG).contains(0xC2))
        Self.expectError(.corrupt, Array(Self.noisyJPEG.prefix(Int(Double(Self.noisyJPEG.count) * fraction))))
    }

    @Test(
        "Truncated progressive JPEG is corrupt, at any cut (including between scans)", arguments: [0.1, 0.5, 0.9, 0.99])
    func truncatedProgressiveJPEG(fraction: Double) {
        #expect(ResamplingTests.markers(Self.progressiveJPEG).contains(0xC2))
        Self.expectError(
            .corrupt, Array(Self.progressiveJPEG.prefix(Int(Double(Self.progressiveJPEG.count) * fraction))))
        // A missing EOI cannot be told from a missing scan.
        Self.expectError(.corrupt, Array(Self.progressiveJPEG.dropLast(2)))
    }

    @Test func truncatedProgressiveBetweenScans() throws {
        // Cut right before the last SOS: every remaining scan is intact, yet the image is incomplete.
        let file = Self.progressiveJPEG
        let lastScan = try #require((2..<(file.count - 1)).last { file[$0] == 0xFF && file[$0 + 1] == 0xDA })
        Self.expectError(.corrupt, Array(file.prefix(lastScan)))
    }

    @Test func baselineJPEGWithoutEOIIsAccepted() throws {
        // Every pixel is present and only the end marker is missing, which browsers tolerate too.
        let file = Array(Self.noisyJPEG.dropLast(2))
        #expect(try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions()).display.width == 256)
    }

    @Test func jpegWithBrokenTables() {
        var file = Self.noisyJPEG
        // Replace everything after SOI with a plausible but nonsensical SOF (12 components) and garbage.
        file =
            Array(file.prefix(2)) + [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10, 0x0C]
            + Array(repeating: 0x11, count: 40)
        Self.expectError(.corrupt, file)
        // A valid header followed by an unknown Huffman table reference.
        var badHuffman = Self.noisyJPEG
        if let sos = (2..<(badHuffman.count - 1)).first(where: { badHuffman[$0] == 0xFF && badHuffman[$0 + 1] == 0xDA })
        {
            badHuffman[sos + 6] = 0x77  // component 1 uses DC table 7 / AC table 7
            Self.expectError(.corrupt, badHuffman)
        } else {
            Issue.record("no SOS found")
        }
    }

    @Test("Truncated PNG is corrupt, at any cut", arguments: [0.05, 0.3, 0.6, 0.95])
    func truncatedPNG(fraction: Double) throws {
        let image = Fixtures.noise(width: 120, height: 90, channels: 3)
        let png = try PNGCodec.encode(image)
        Self.expectError(.corrupt, Array(png.prefix(max(34, Int(Double(png.count) * fraction)))))
    }

    @Test func pngWithBadDataCRC() throws {
        var png = try PNGCodec.encode(Fixtures.noise(width: 20, height: 20, channels: 3))
        png[60] ^= 0xFF  // inside IDAT
        Self.expectError(.corrupt, png)
    }

    @Test func pngWithBadZlibData() {
        var png = TestPNG(width: 8, height: 8, colorType: .gray, samples: Array(repeating: 1, count: 64)).encode()
        // Break the zlib header (CMF) and fix up the chunk CRC, so only zlib can notice.
        let idat = png.indices.first { png[$0] == UInt8(ascii: "I") && png[$0 + 1] == UInt8(ascii: "D") }!
        png[idat + 4] = 0x00
        let length = Int(png[idat - 4]) << 24 | Int(png[idat - 3]) << 16 | Int(png[idat - 2]) << 8 | Int(png[idat - 1])
        let crc = TestPNG.be32(Int(CRC32.checksum(png[idat..<(idat + 4 + length)])))
        png.replaceSubrange((idat + 4 + length)..<(idat + 8 + length), with: crc)
        Self.expectError(.corrupt, png)
    }

    @Test func emptyAndTextFiles() {
        Self.expectError(.unsupportedFormat, [])
        Self.expectError(.unsupportedFormat, Array("just some text\n".utf8))
        Self.expectError(.corrupt, [0xFF, 0xD8, 0xFF])
        Self.expectError(.corrupt, PNGHeaderParser.signature)
    }

    @Test func missingFileAndDirectoryAreIOErrors() throws {
        do {
            _ = try ImagePipeline.makeDerivatives(fromFile: "/nonexistent/dir/photo.jpg", options: PipelineOptions())
            Issue.record("missing file produced derivatives")
        } catch {
            #expect(error.code == .io && !error.isPermanent)
            #expect(!error.message.contains("nonexistent"), "messages must not leak paths")
        }
        do {
            _ = try ImagePipeline.makeDerivatives(
                fromFile: FileManager.default.temporaryDirectory.path, options: PipelineOptions())
            Issue.record("a directory produced derivatives")
        } catch {
            #expect(error.code == .io)
        }
    }

    @Test func emptyFileOnDisk() throws {
        let path = try Fixtures.temporaryFile([], suffix: ".jpg")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ImagingError(.unsupportedFormat, "The file is empty.")) {
            try ImagePipeline.makeDerivatives(fromFile: path, options: PipelineOptions())
        }
    }

    @Test func realFileRoundTrip() throws {
        let path = try Fixtures.temporaryFile(Self.noisyJPEG, suffix: ".jpg")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try ImagePipeline.makeDerivatives(fromFile: path, options: PipelineOptions())
        #expect(result.header == ImageHeader(format: .jpeg, width: 256, height: 192))
        #expect(result.display.bytes.starts(with: [0xFF, 0xD8, 0xFF]))
    }

    @Test func tooManyPixelsIsCheckedBeforeDecoding() {
        // Headers that announce huge images but carry no pixel data: decoding would fail as corrupt,
        // so getting tooManyPixels proves the limit is checked first (and nothing big is allocated).
        let hugeJPEG: [UInt8] =
            [0xFF, 0xD8]
            + Fixtures.segment(
                marker: 0xC0,
                payload: [
                    8, 0xEA, 0x60, 0xEA, 0x60, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
                ]) + [0xFF, 0xD9]  // 60000 x 60000
        Self.expectError(.tooManyPixels, hugeJPEG)
        let hugePNG =
            PNGHeaderParser.signature
            + TestPNG.chunk("IHDR", TestPNG.be32(30_000) + TestPNG.be32(30_000) + [8, 6, 0, 0, 0])
        Self.expectError(.tooManyPixels, hugePNG)

        // A real, decodable file just over a small limit.
        Self.expectError(.tooManyPixels, Self.noisyJPEG, options: PipelineOptions(maxPixels: 256 * 192 - 1))
        #expect(throws: Never.self) {
            try ImagePipeline.makeDerivatives(from: Self.noisyJPEG, options: PipelineOptions(maxPixels: 256 * 192))
        }
    }

    @Test func decodersEnforceTheLimitThemselves() {
        #expect(throws: ImagingError.self) {
            try JPEGCodec.decode(Self.noisyJPEG, scaleDenominator: 8, maxPixels: 1000)
        }
        do {
            _ = try PNGCodec.decode(
                try PNGCodec.encode(Fixtures.noise(width: 50, height: 50, channels: 1)), maxPixels: 2499)
            Issue.record("limit ignored")
        } catch {
            #expect(error.code == .tooManyPixels)
        }
    }

    @Test func errorProperties() {
        let error = ImagingError(.corrupt, "The JPEG file is damaged.")
        #expect(error.isPermanent)
        #expect(error.description == "corrupt: The JPEG file is damaged.")
        #expect(ImagingError(.io, "x").isPermanent == false)
        #expect(ImagingError.Code.tooManyPixels != ImagingError.Code.unsupportedFormat)
    }
}
