import Ingest
import MemoriesTestSupport
import Testing

/// `app import`'s walk sorts files by their first bytes: images, formats it does not take (named), and the rest.
@Suite("File sniffer")
struct FileSnifferTests {
    static func ftyp(_ brand: String) -> [UInt8] {
        [0, 0, 0, 0x18] + Array("ftyp\(brand)".utf8) + [0, 0, 0, 0] + Array("mif1heic".utf8)
    }

    @Test("JPEG and PNG are images, whatever the rest of the file")
    func images() throws {
        #expect(FileSniffer.classify(Array(try TestImages.jpeg(width: 8, height: 8).prefix(64))) == .image)
        #expect(FileSniffer.classify(Array(try TestImages.png(width: 8, height: 8).prefix(64))) == .image)
    }

    @Test(
        "formats people keep beside their photos are named, not imported",
        arguments: [
            (ftyp("qt  "), "video"), (ftyp("isom"), "video"), (Array("RIFF\0\0\0\0AVI LIST".utf8), "video"),
            (Array("GIF89a\u{1}\0\u{1}\0".utf8), "GIF"), ([0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0], "TIFF or camera raw"),
            ([0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8], "TIFF or camera raw"), (Array("%PDF-1.7\n".utf8), "PDF"),
            (Array("BM".utf8) + [0x36, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0], "BMP"), (ftyp("crx "), "camera raw"),
        ])
    func unsupported(_ head: [UInt8], _ format: String) {
        #expect(FileSniffer.classify(head) == .unsupported(format))
    }

    @Test("HEIC, AVIF and WebP are never mistaken for other files (images once the pipeline takes them)")
    func phoneFormats() {
        for head in [Self.ftyp("heic"), Self.ftyp("avif"), Array("RIFF\0\0\0\0WEBPVP8 ".utf8)] {
            #expect(FileSniffer.classify(head) != .notAnImage)
        }
    }

    @Test("a JPEG cut short is an image to try (its import then fails with the reason)")
    func brokenImage() {
        #expect(FileSniffer.classify([0xFF, 0xD8, 0xFF]) == .image)
    }

    @Test("text and near misses are not images")
    func notImages() {
        for head in [Array("hello, world".utf8), Array("BMW service record".utf8), Array("RIFF".utf8)] {
            #expect(FileSniffer.classify(head) == .notAnImage, "\(head)")
        }
    }
}
