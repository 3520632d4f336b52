import Foundation
import Testing

@testable import Imaging

/// Crafted JPEGs that make naive decoders spin or allocate gigabytes end in a quick, clean error.
struct HostileJPEGTests {
    /// A tiny progressive JPEG made by the module's encoder: the raw material of the crafted files.
    static func tinyProgressive(width: Int = 16, height: Int = 16, channels: Int = 1) throws -> [UInt8] {
        try Fixtures.jpeg(
            Fixtures.noise(width: width, height: height, channels: channels), quality: 80, progressive: true)
    }

    /// Byte ranges of the file's marker segments; a scan's range runs from its SOS marker to the next marker,
    /// entropy-coded data included.
    static func segments(_ file: [UInt8]) -> [(marker: UInt8, range: Range<Int>)] {
        var result: [(UInt8, Range<Int>)] = [(0xD8, 0..<2)]
        var index = 2
        while index + 3 < file.count, file[index] == 0xFF {
            let marker = file[index + 1]
            if marker == 0xD9 {
                result.append((marker, index..<(index + 2)))
                break
            }
            var end = index + 2 + (Int(file[index + 2]) << 8 | Int(file[index + 3]))
            if marker == 0xDA {
                // Entropy-coded data ends at the first marker that is neither stuffing (FF00) nor RSTn.
                while end + 1 < file.count,
                    !(file[end] == 0xFF && file[end + 1] != 0 && !(0xD0...0xD7).contains(file[end + 1]))
                {
                    end += 1
                }
            }
            result.append((marker, index..<end))
            index = end
        }
        return result
    }

    /// The file with its first scan repeated `copies` more times right after itself.
    static func repeatingFirstScan(_ file: [UInt8], copies: Int) throws -> [UInt8] {
        let scan = try #require(segments(file).first { $0.marker == 0xDA }).range
        let repeated = Array([[UInt8]](repeating: Array(file[scan]), count: copies).joined())
        return Array(file[..<scan.upperBound]) + repeated + Array(file[scan.upperBound...])
    }

    @Test func thousandsOfScansAreRefusedQuickly() throws {
        let file = try Self.repeatingFirstScan(try Self.tinyProgressive(), copies: 5000)
        #expect(file.count < 100_000)
        let start = ContinuousClock.now
        do {
            let result = try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions())
            Issue.record("a file with 5000 scans produced a \(result.display.width)x\(result.display.height) image")
        } catch {
            #expect(error.code == .corrupt, "\(error)")
            #expect(error.message.contains("scans"), "\(error)")
        }
        // Not a speed check: a decoder that spins on such a file runs for minutes; any loaded machine stays far under this.
        #expect(ContinuousClock.now - start < .seconds(60))
    }

    @Test func aFewRedundantScansStillDecode() throws {
        // Repeated scans are odd (libjpeg warns about a bogus progression) but harmless below the limit.
        let file = try Self.repeatingFirstScan(try Self.tinyProgressive(), copies: 100)
        let result = try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions())
        #expect((result.display.width, result.display.height) == (16, 16))
    }

    @Test func progressiveCoefficientMemoryIsCapped() throws {
        // A progressive header announcing 16000x12000 RGB (4:2:0) needs 576 MB of coefficient buffers, more
        // than the decoder may use: refused as too large before any of it is allocated, even though the
        // pixel limit lets it through.
        var file = try Self.tinyProgressive(channels: 3)
        let frame = try #require(Self.segments(file).first { $0.marker == 0xC2 }).range
        file.replaceSubrange((frame.lowerBound + 5)..<(frame.lowerBound + 9), with: [0x2E, 0xE0, 0x3E, 0x80])
        let start = ContinuousClock.now
        do {
            let result = try ImagePipeline.makeDerivatives(from: file, options: PipelineOptions(maxPixels: 200_000_000))
            Issue.record("produced a \(result.display.width)x\(result.display.height) image")
        } catch {
            #expect(error.code == .tooManyPixels, "\(error)")
            #expect(error.message.contains("MB"), "\(error)")
        }
        // Not a speed check: a decoder that spins on such a file runs for minutes; any loaded machine stays far under this.
        #expect(ContinuousClock.now - start < .seconds(60))
    }
}
