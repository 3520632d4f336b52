/// A failure of the media store, with a message safe to show (no paths, no secrets).
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, extensible without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let notFound = Code(name: "not_found")
        public static let unavailable = Code(name: "unavailable")
        /// The disk is full (ENOSPC, EDQUOT): nothing was written; answered 507.
        public static let outOfSpace = Code(name: "out_of_space")
        public static let invalidConfiguration = Code(name: "invalid_configuration")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// The system error behind it, for logs only.
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "storage \(code): \(message)" }
}
