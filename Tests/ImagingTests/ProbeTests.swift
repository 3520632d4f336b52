import Testing

@testable import Imaging

/// Signature sniffing and header parsing on prefixes of growing length.
struct ProbeTests {
    static func smallJPEG(segments: [[UInt8]] = []) throws -> [UInt8] {
        try Fixtures.jpeg(Fixtures.quadrants(width: 40, height: 24), segments: segments)
    }

    @Test func notAnImage() {
        #expect(ImageProbe.probe(Array("hello, this is plain text".utf8), isComplete: false) == .notAnImage)
        #expect(ImageProbe.probe(Array("GIF89a......".utf8), isComplete: true) == .notAnImage)
        #expect(ImageProbe.probe([], isComplete: true) == .notAnImage)
        #expect(ImageProbe.probe([0xFF, 0xD8], isComplete: true) == .notAnImage)
    }

    @Test func needMoreDataOnShortPrefixes() throws {
        #expect(ImageProbe.probe([], isComplete: false) == .needMoreData)
        #expect(ImageProbe.probe([0xFF], isComplete: false) == .needMoreData)
        #expect(ImageProbe.probe([0xFF, 0xD8], isComplete: false) == .needMoreData)
        #expect(ImageProbe.probe([0x89, 0x50, 0x4E], isComplete: false) == .needMoreData)
        let jpeg = try Self.smallJPEG()
        #expect(ImageProbe.probe(Array(jpeg.prefix(3)), isComplete: false) == .needMoreData)
        let png = TestPNG(width: 3, height: 2, colorType: .gray, samples: Array(repeating: 7, count: 6)).encode()
        #expect(ImageProbe.probe(Array(png.prefix(20)), isComplete: false) == .needMoreData)
        #expect(
            ImageProbe.probe(Array(png.prefix(20)), isComplete: true)
                == .malformed("The PNG file ends before its image header."))
    }

    @Test func jpegDimensionsAfterLargeAPP1() throws {
        // A 60 KB APP1 (XMP-like) before the frame header, as phone cameras write.
        let xmp = Fixtures.segment(
            marker: 0xE1, payload: Array("http://ns.adobe.com/xap/1.0/\0".utf8) + Array(repeating: 0x20, count: 60_000))
        let exif = Fixtures.exifSegment(orientation: 6, dateTimeOriginal: "2021:07:04 18:30:05", bigEndian: true)
        let file = try Self.smallJPEG(segments: [exif, xmp])
        let expected = ImageHeader(
            format: .jpeg, width: 40, height: 24, orientation: 6, captureDate: "2021-07-04T18:30:05")

        // Every prefix that stops before the frame header asks for more; every longer one gives the same answer.
        let sofOffset = try #require(Self.frameHeaderOffset(file))
        #expect(sofOffset > 60_000)
        for length in [0, 1, 2, 3, 4, 100, 1_000, 60_000, sofOffset, sofOffset + 5] {
            #expect(
                ImageProbe.probe(Array(file.prefix(length)), isComplete: false) == .needMoreData, "prefix \(length)")
        }
        for length in [sofOffset + 10, sofOffset + 200, file.count] {
            #expect(
                ImageProbe.probe(Array(file.prefix(length)), isComplete: false) == .image(expected), "prefix \(length)")
        }
        #expect(ImageProbe.probe(file, isComplete: true) == .image(expected))
        #expect(expected.orientedWidth == 24 && expected.orientedHeight == 40 && expected.pixelCount == 960)
    }

    @Test func pngHeader() {
        let png = TestPNG(width: 5, height: 3, colorType: .rgba, samples: Array(repeating: 9, count: 60)).encode()
        #expect(
            ImageProbe.probe(Array(png.prefix(33)), isComplete: false)
                == .image(ImageHeader(format: .png, width: 5, height: 3)))
        #expect(ImageProbe.probe(png, isComplete: true) == .image(ImageHeader(format: .png, width: 5, height: 3)))
    }

    @Test func malformedAfterSignature() throws {
        var garbageJPEG: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00]
        garbageJPEG += Array(repeating: 0x41, count: 100)
        if case .malformed = ImageProbe.probe(garbageJPEG, isComplete: true) {
        } else {
            Issue.record("garbage JPEG was not malformed")
        }
        let noMarker: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0x12, 0x34, 0x56]
        if case .malformed = ImageProbe.probe(noMarker, isComplete: false) {
        } else {
            Issue.record("missing marker was not malformed")
        }
        let eoiFirst: [UInt8] = [0xFF, 0xD8, 0xFF, 0xD9]
        if case .malformed = ImageProbe.probe(eoiFirst, isComplete: false) {
        } else {
            Issue.record("EOI before SOF was not malformed")
        }
        var zeroSize = try Self.smallJPEG()
        let sof = try #require(Self.frameHeaderOffset(zeroSize))
        zeroSize[sof + 5] = 0
        zeroSize[sof + 6] = 0  // height = 0
        if case .malformed = ImageProbe.probe(zeroSize, isComplete: true) {
        } else {
            Issue.record("zero height was not malformed")
        }

        var png = TestPNG(width: 5, height: 3, colorType: .gray, samples: Array(repeating: 9, count: 15)).encode()
        png[12] = UInt8(ascii: "X")  // IHDR renamed
        if case .malformed = ImageProbe.probe(png, isComplete: true) {
        } else {
            Issue.record("PNG without IHDR was not malformed")
        }
        var badCRC = TestPNG(width: 5, height: 3, colorType: .gray, samples: Array(repeating: 9, count: 15)).encode()
        badCRC[20] ^= 0x01  // height changed, CRC not
        if case .malformed = ImageProbe.probe(badCRC, isComplete: true) {
        } else {
            Issue.record("IHDR with a bad CRC was not malformed")
        }
        var badDepth =
            Array(PNGHeaderParser.signature)
            + TestPNG.chunk("IHDR", TestPNG.be32(5) + TestPNG.be32(3) + [3, 2, 0, 0, 0])
        badDepth += [0, 0, 0, 0]
        if case .malformed = ImageProbe.probe(badDepth, isComplete: true) {
        } else {
            Issue.record("RGB with bit depth 3 was not malformed")
        }
    }

    @Test("Capture date: DateTimeOriginal preferred, DateTime as fallback, garbage ignored", arguments: [false, true])
    func captureDate(bigEndian: Bool) throws {
        func date(_ segment: [UInt8]) throws -> String? {
            guard case .image(let header) = ImageProbe.probe(try Self.smallJPEG(segments: [segment]), isComplete: true)
            else {
                Issue.record("not an image")
                return nil
            }
            return header.captureDate
        }
        #expect(
            try date(
                Fixtures.exifSegment(
                    dateTime: "2001:02:03 04:05:06", dateTimeOriginal: "2019:12:31 23:59:58", bigEndian: bigEndian))
                == "2019-12-31T23:59:58")
        #expect(
            try date(Fixtures.exifSegment(orientation: 3, dateTime: "2001:02:03 04:05:06", bigEndian: bigEndian))
                == "2001-02-03T04:05:06")
        #expect(try date(Fixtures.exifSegment(dateTimeOriginal: "0000:00:00 00:00:00", bigEndian: bigEndian)) == nil)
        #expect(try date(Fixtures.exifSegment(dateTimeOriginal: "                   ", bigEndian: bigEndian)) == nil)
        #expect(try date(Fixtures.exifSegment(dateTimeOriginal: "2019:13:01 10:00:00", bigEndian: bigEndian)) == nil)
        #expect(try date(Fixtures.exifSegment(dateTimeOriginal: "garbage", bigEndian: bigEndian)) == nil)
        #expect(try date(Fixtures.exifSegment(orientation: 8, bigEndian: bigEndian)) == nil)
    }

    @Test func truncatedOrDamagedExifIsIgnored() throws {
        let good = Fixtures.exifSegment(orientation: 6, dateTimeOriginal: "2019:12:31 23:59:58")
        // Cut the TIFF block short (keeping a valid segment length) and point offsets out of bounds.
        let shortPayload = Array(good[4..<30])
        let truncated = Fixtures.segment(marker: 0xE1, payload: shortPayload)
        let file = try Self.smallJPEG(segments: [truncated])
        guard case .image(let header) = ImageProbe.probe(file, isComplete: true) else {
            Issue.record("damaged EXIF made the file unreadable")
            return
        }
        #expect(header.orientation == 1 || header.orientation == 6)
        #expect(header.captureDate == nil)
    }

    @Test func exifDateFormats() {
        #expect(ExifMetadata.isoDate(fromExif: "2020:01:02 03:04:05") == "2020-01-02T03:04:05")
        #expect(ExifMetadata.isoDate(fromExif: "2020-01-02 03:04:05") == "2020-01-02T03:04:05")
        #expect(ExifMetadata.isoDate(fromExif: "2020:01:02 03:04") == nil)
        #expect(ExifMetadata.isoDate(fromExif: "2020:01:32 03:04:05") == nil)
        #expect(ExifMetadata.isoDate(fromExif: nil) == nil)
    }

    @Test func formatProperties() {
        #expect(ImageFormat.jpeg.fileExtension == "jpg" && ImageFormat.jpeg.contentType == "image/jpeg")
        #expect(ImageFormat.png.fileExtension == "png" && ImageFormat.png.contentType == "image/png")
    }

    /// Offset of the SOF0/SOF2 marker in a file made by our encoder.
    static func frameHeaderOffset(_ file: [UInt8]) -> Int? {
        var position = 2
        while position + 4 <= file.count, file[position] == 0xFF {
            let marker = file[position + 1]
            if marker == 0xC0 || marker == 0xC2 { return position }
            position += 2 + (Int(file[position + 2]) << 8 | Int(file[position + 3]))
        }
        return nil
    }
}
