/// Why a file cannot become a photo (or cannot right now): a kind the HTTP side maps to a status, and one
/// readable sentence that names the file but never a path on this machine.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in the terms a client acts on.
    public enum Code: String, Sendable {
        /// Not an accepted format (JPEG, PNG, HEIC, AVIF, WebP), or a header that cannot be read (permanent: 415).
        case unsupportedType
        /// More pixels than `MAX_PIXELS` (permanent: 413).
        case tooLarge
        /// The machine cannot take the file right now (transient: 503).
        case unavailable
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
