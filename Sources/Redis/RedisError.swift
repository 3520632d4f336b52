/// A failure talking to Redis: a stable code and a message that never holds the password.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// The TCP connection could not be made (refused, unreachable, or no answer within the connect timeout).
        public static let connectFailed = Code(name: "connect_failed")
        /// A recent connect failed; calls fail fast until the backoff has passed.
        public static let unavailable = Code(name: "unavailable")
        /// No reply within the command timeout (the connection is closed, since its replies can no longer be matched).
        public static let timeout = Code(name: "timeout")
        /// The connection closed with this command in flight.
        public static let connectionClosed = Code(name: "connection_closed")
        /// The server answered with an error reply (`-ERR …`, `-WRONGPASS …`).
        public static let serverError = Code(name: "server_error")
        /// Bytes that are not RESP2.
        public static let protocolError = Code(name: "protocol_error")
        /// The URL is not `redis://[:password@]host[:port][/db]`.
        public static let invalidURL = Code(name: "invalid_url")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "redis \(code): \(message)" }
}
