import NIOCore
import Testing

@testable import Redis

/// The RESP2 parser on its own: every reply type, nesting, and replies that arrive a byte at a time.
@Suite struct RESPParserTests {
    static let sample =
        "+OK\r\n-ERR wrong\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
        + "*3\r\n$3\r\nfoo\r\n:1\r\n*2\r\n+nested\r\n$-1\r\n$6\r\na\r\nb\r\n\r\n"

    static let expected: [RESPValue] = [
        .simpleString("OK"), .error("ERR wrong"), .integer(42), .integer(-7), .bulkString(ByteBuffer(string: "hello")),
        .bulkString(ByteBuffer()), .null, .null, .array([]),
        .array([.bulkString(ByteBuffer(string: "foo")), .integer(1), .array([.simpleString("nested"), .null])]),
        .bulkString(ByteBuffer(string: "a\r\nb\r\n")),
    ]

    @Test func parsesEveryReplyTypeFromOneBuffer() throws {
        var buffer = ByteBuffer(string: Self.sample)
        var values: [RESPValue] = []
        while let value = try RESPParser.next(from: &buffer) { values.append(value) }
        #expect(values == Self.expected)
        #expect(buffer.readableBytes == 0)
    }

    @Test func parsesRepliesFedOneByteAtATime() throws {
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        for byte in Array(Self.sample.utf8) {
            buffer.writeInteger(byte)
            while let value = try RESPParser.next(from: &buffer) { values.append(value) }
        }
        #expect(values == Self.expected)
    }

    @Test func anIncompleteValueLeavesTheBufferUntouched() throws {
        var buffer = ByteBuffer(string: "*2\r\n$3\r\nfoo\r\n$3\r\nba")
        #expect(try RESPParser.next(from: &buffer) == nil)
        #expect(buffer.readableBytes == 19)
    }

    @Test(arguments: ["?what\r\n", ":12x\r\n", "$abc\r\n", "$3\r\nfooXY", "+OK\rX"])
    func refusesBytesThatAreNotRESP(_ text: String) {
        var buffer = ByteBuffer(string: text)
        #expect(throws: RedisError.self) { try RESPParser.next(from: &buffer) }
    }

    @Test func refusesNestingBeyondTheLimit() {
        var buffer = ByteBuffer(string: String(repeating: "*1\r\n", count: 100) + ":1\r\n")
        #expect(throws: RedisError.self) { try RESPParser.next(from: &buffer) }
    }

    @Test func encodesCommandsAsArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPEncoder.encode(["SET", "k", "vé"], into: &buffer)
        #expect(String(buffer: buffer) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nvé\r\n")
    }

    @Test func parsesURLs() throws {
        #expect(
            try RedisURL(parsing: "redis://127.0.0.1:6380/2") == RedisURL(host: "127.0.0.1", port: 6380, database: 2))
        #expect(try RedisURL(parsing: "redis://:s%40cret@cache") == RedisURL(host: "cache", password: "s@cret"))
        #expect(
            try RedisURL(parsing: "redis://user:pw@[::1]:7000/0")
                == RedisURL(host: "::1", port: 7000, username: "user", password: "pw"))
        #expect(try RedisURL(parsing: "redis://:pw@host/1").description == "redis://:***@host:6379/1")
        for bad in ["http://host", "redis://", "redis://host:0", "redis://host/99", "redis://host:abc"] {
            #expect(throws: RedisError.self) { try RedisURL(parsing: bad) }
        }
    }
}
