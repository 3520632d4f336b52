import NIOCore

/// Parses RESP2 replies incrementally: `next(from:)` takes one whole value off the front of a buffer, or leaves the
/// buffer untouched and answers nil while the value is still incomplete (the rest has not arrived yet).
public enum RESPParser {
    /// Nesting deeper than this is refused: no command of ours gets such a reply, and recursion must stay bounded.
    static let maxDepth = 32
    /// The largest bulk string Redis itself allows (`proto-max-bulk-len`).
    static let maxBulkLength = 512 * 1024 * 1024

    /// One complete value from the front of `buffer` (advancing its reader index), or nil when more bytes are needed.
    /// Throws `RedisError.protocolError` on bytes that are not RESP2.
    public static func next(from buffer: inout ByteBuffer) throws -> RESPValue? {
        var cursor = buffer
        guard let value = try parse(&cursor, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: cursor.readerIndex)
        return value
    }

    private static func parse(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard depth <= maxDepth else { throw RedisError(.protocolError, "reply nested deeper than \(maxDepth) levels") }
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        var lineBuffer = buffer
        lineBuffer.moveReaderIndex(forwardBy: 1)
        guard let line = try readLine(&lineBuffer) else { return nil }
        switch type {
        case UInt8(ascii: "+"):
            buffer = lineBuffer
            return .simpleString(line)
        case UInt8(ascii: "-"):
            buffer = lineBuffer
            return .error(line)
        case UInt8(ascii: ":"):
            guard let value = Int64(line) else { throw RedisError(.protocolError, "integer reply is not a number") }
            buffer = lineBuffer
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1, length <= maxBulkLength else {
                throw RedisError(.protocolError, "bad bulk string length")
            }
            if length == -1 {
                buffer = lineBuffer
                return .null
            }
            guard lineBuffer.readableBytes >= length + 2 else { return nil }
            let bytes = lineBuffer.readSlice(length: length)!
            guard lineBuffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw RedisError(.protocolError, "bulk string not terminated by CRLF")
            }
            buffer = lineBuffer
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1, count <= 1_048_576 else {
                throw RedisError(.protocolError, "bad array length")
            }
            if count == -1 {
                buffer = lineBuffer
                return .null
            }
            var elements: [RESPValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                guard let element = try parse(&lineBuffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            buffer = lineBuffer
            return .array(elements)
        default: throw RedisError(.protocolError, "unknown reply type byte \(type)")
        }
    }

    /// The text up to the next CRLF (consumed), or nil when no CRLF has arrived yet.
    private static func readLine(_ buffer: inout ByteBuffer) throws -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: 0x0D) else {
            if view.count > 64 * 1024 { throw RedisError(.protocolError, "reply line longer than 64 KiB") }
            return nil
        }
        guard cr + 1 < view.endIndex else { return nil }
        guard view[cr + 1] == 0x0A else { throw RedisError(.protocolError, "CR not followed by LF") }
        let length = cr - view.startIndex
        let text = buffer.readString(length: length)!
        buffer.moveReaderIndex(forwardBy: 2)
        return text
    }
}

/// Encodes commands as RESP arrays of bulk strings, the form every Redis command takes on the wire.
public enum RESPEncoder {
    public static func encode(_ command: [String], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(command.count)\r\n")
        for argument in command {
            buffer.writeString("$\(argument.utf8.count)\r\n")
            buffer.writeString(argument)
            buffer.writeString("\r\n")
        }
    }
}
