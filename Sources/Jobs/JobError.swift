/// Why a job did not succeed, and whether trying again could help.
public struct JobError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// A permanent error (a corrupt image) fails the job at once; a transient one (a dropped connection) is retried.
    public var isPermanent: Bool

    public init(_ message: String, isPermanent: Bool) {
        self.message = message
        self.isPermanent = isPermanent
    }

    public var description: String { message }
}
