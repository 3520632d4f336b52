/// A database failure with a message safe to show; the SQL and the driver's error stay in `underlying`, for logs.
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, extensible without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The database cannot be reached or written (down, locked, disk full): worth retrying.
        public static let unavailable = Code(name: "unavailable")
        /// The schema is older than this build: run `app migrate`.
        public static let migrationsPending = Code(name: "migrations_pending")
        /// A migration file is malformed or failed.
        public static let migrationFailed = Code(name: "migration_failed")
        /// `DATABASE_URL` is not something we can open.
        public static let invalidURL = Code(name: "invalid_url")
        /// A row broke an invariant the code relies on.
        public static let corruptRow = Code(name: "corrupt_row")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "database \(code): \(message)" }
}
