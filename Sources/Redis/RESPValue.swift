import NIOCore

/// One RESP2 reply: what a Redis server answers to a command.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    case bulkString(ByteBuffer)
    /// A null bulk string (`$-1`) or a null array (`*-1`): a missing key, a failed `SET … NX`.
    case null
    case array([RESPValue])

    /// The value as text: simple and bulk strings, integers; nil for null, errors and arrays.
    public var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let buffer): return String(buffer: buffer)
        case .integer(let value): return String(value)
        case .null, .error, .array: return nil
        }
    }

    /// The value as a number: integers, and strings that hold one.
    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .simpleString, .bulkString: return string.flatMap { Int64($0) }
        case .null, .error, .array: return nil
        }
    }
}
