import NIOCore
import Testing

@testable import Web

/// The multipart parser's body search (memchr/memcmp since issue 10): whatever the chunking, every body byte comes
/// out once and in order, including CRs and near-misses of the boundary inside the data.
@Suite("Multipart parser")
struct FormDataParserTests {
    @Test(
        "bodies survive any chunking, with CRs and partial boundaries in the data",
        arguments: [1, 2, 7, 64, 4096, 1 << 20])
    func anyChunking(chunkSize: Int) throws {
        let boundary = "----memoriesTestBoundary42"
        var generator = SystemRandomNumberGenerator()
        var first = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // Near-misses of the delimiter: CR, CRLF, CRLF--, and the whole boundary but one byte.
        first += Array("\r\r\n\r\n-\r\n--\r\n--\(boundary.dropLast())x".utf8) + [13]
        let second = Array("small field".utf8)
        var body = Array(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n".utf8)
        body += first
        body += Array("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"album\"\r\n\r\n".utf8)
        body += second
        body += Array("\r\n--\(boundary)--\r\n".utf8)

        let parser = FormDataParser(boundary: boundary)
        var parts: [[UInt8]] = [[]]
        var headers: [String] = []
        parser.onHeader = { name, value in headers.append("\(name): \(value)") }
        parser.onBody = { buffer in parts[parts.count - 1] += buffer.readableBytesView }
        parser.onPartComplete = { parts.append([]) }
        var offset = 0
        while offset < body.count {
            let end = min(offset + chunkSize, body.count)
            try parser.execute(ByteBuffer(bytes: body[offset..<end]))
            offset = end
        }
        #expect(parts.count == 3)
        #expect(parts[0] == first)
        #expect(parts[1] == second)
        #expect(headers.count == 2)
    }
}
