import Crypto
import Imaging
import Ingest
import MemoriesTestSupport
import Testing

/// The upload inspection: hash, type and header however the bytes arrive, refusals as soon as the bytes show them.
@Suite("Upload inspection")
struct UploadInspectorTests {
    /// Feeds `bytes` to an inspector in chunks of `chunk` bytes, as a request body arrives.
    static func inspect(_ bytes: [UInt8], chunk: Int, maxPixels: Int = 100_000_000) throws -> InspectedFile {
        var inspector = UploadInspector(maxPixels: maxPixels, fileName: "photo.jpg")
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunk)
            try bytes[offset..<end].withUnsafeBytes { try inspector.update($0) }
            offset = end
        }
        return try inspector.finish()
    }

    /// A JPEG whose header runs past `bytes`: 64 KiB APP2 segments between the start marker and the frame header.
    static func jpegWithLongHeader(width: Int, height: Int, bytes: Int) throws -> [UInt8] {
        let jpeg = try TestImages.jpeg(width: width, height: height)
        var long: [UInt8] = [0xFF, 0xD8]
        while long.count < bytes {
            long += [0xFF, 0xE2, 0xFF, 0xFF] + [UInt8](repeating: 0x20, count: 0xFFFF - 2)
        }
        return long + jpeg.dropFirst(2)
    }

    @Test("the same hash, size and header whatever the chunk size", arguments: [1, 7, 2048, 65_536, 1 << 20])
    func chunking(chunk: Int) throws {
        let jpeg = try TestImages.jpeg(width: 40, height: 30, orientation: 6)
        let inspected = try Self.inspect(jpeg, chunk: chunk)
        #expect(inspected.hash == SHA256.hash(data: jpeg).map { String(format: "%02x", $0) }.joined())
        #expect(inspected.bytes == jpeg.count)
        #expect(inspected.header.format == .jpeg)
        // The helper stores a 30×40 image that orientation 6 turns upright as 40 wide.
        #expect(inspected.header.width == 30)
        #expect(inspected.header.orientedWidth == 40)
        #expect(inspected.header.orientation == 6)
    }

    @Test("a header beyond the first probe is found, in any chunking", arguments: [4096, 300_000])
    func longHeader(chunk: Int) throws {
        for size in [300 * 1024, 700 * 1024] {
            let jpeg = try Self.jpegWithLongHeader(width: 50, height: 20, bytes: size)
            let inspected = try Self.inspect(jpeg, chunk: chunk)
            #expect(inspected.header.width == 50)
            #expect(inspected.header.height == 20)
        }
    }

    @Test("too many pixels is refused from the header, before the rest of the file")
    func tooManyPixels() throws {
        let png = try TestImages.png(width: 200, height: 100)
        let padded = png + [UInt8](repeating: 0, count: 600 * 1024)
        var inspector = UploadInspector(maxPixels: 10_000, fileName: "wide.png")
        #expect(
            throws: IngestError(.tooLarge, "\u{201C}wide.png\u{201D} is 200×100 pixels (0.0 MP); the limit is 0.0 MP.")
        ) {
            try padded.prefix(300 * 1024).withUnsafeBytes { try inspector.update($0) }
        }
    }

    @Test("bytes that are not a JPEG or PNG are refused as an unsupported type")
    func notAnImage() throws {
        let error = #expect(throws: IngestError.self) {
            try Self.inspect(Array("GIF89a, or any other text".utf8), chunk: 4)
        }
        #expect(error?.code == .unsupportedType)
    }
}
