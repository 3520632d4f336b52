import Foundation
import Testing

@testable import Web

/// The ZIP structure on its own: a small archive read back by Python's zipfile, and the ZIP64 records past 4 GiB.
@Suite("ZIP stream writer")
struct ZipStreamWriterTests {
    @Test("CRC-32 matches the standard check value")
    func crc() {
        var crc = ZipCRC32()
        Array("123456789".utf8).withUnsafeBytes { crc.update($0) }
        #expect(crc.value == 0xCBF4_3926)
    }

    @Test("an archive written entry by entry is read back intact")
    func roundTrip() async throws {
        var zip = ZipStreamWriter()
        var bytes: [UInt8] = []
        let contents: [(String, [UInt8])] = [
            ("a.txt", Array("hello".utf8)), ("b/ü.bin", (0..<1000).map { UInt8($0 % 251) }),
        ]
        for (name, data) in contents {
            bytes += zip.beginEntry(
                name: name, expectedSize: UInt64(data.count), modified: Date(timeIntervalSince1970: 1_700_000_000))
            bytes += data
            var crc = ZipCRC32()
            data.withUnsafeBytes { crc.update($0) }
            bytes += zip.endEntry(crc: crc.value, size: UInt64(data.count))
        }
        bytes += zip.finish()
        #expect(zip.offset == UInt64(bytes.count))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("w-\(UUID().uuidString).zip").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let entries = try await ZipChecker.entries(of: path)
        #expect(entries.map(\.name) == contents.map(\.0))
        #expect(entries.map(\.bytes) == contents.map(\.1))
    }

    @Test("entries past 4 GiB get ZIP64 offsets and the archive ends with ZIP64 records")
    func zip64() {
        var zip = ZipStreamWriter(startingAt: 5_000_000_000)
        _ = zip.beginEntry(name: "big.jpg", expectedSize: 5_000_000_000, modified: Date())
        let descriptor = zip.endEntry(crc: 1, size: 5_000_000_000)
        #expect(descriptor.count == 24)  // signature, CRC, two 8-byte sizes
        let end = zip.finish()
        let zip64End: [UInt8] = [0x50, 0x4b, 0x06, 0x06]
        let locator: [UInt8] = [0x50, 0x4b, 0x06, 0x07]
        #expect(end.indices.contains { end[$0...].starts(with: zip64End) })
        #expect(end.indices.contains { end[$0...].starts(with: locator) })
        #expect(Array(end.suffix(6).prefix(4)) == [0xFF, 0xFF, 0xFF, 0xFF])  // classic offset field defers to ZIP64
    }
}
