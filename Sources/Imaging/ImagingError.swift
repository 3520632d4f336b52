/// Why the pipeline could not produce derivatives; `message` is one readable sentence without paths.
public struct ImagingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Error category; a struct rather than an enum so new codes can be added without breaking switches.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// Not an accepted format: JPEG, PNG, HEIC/HEIF, AVIF, WebP (including empty files).
        public static let unsupportedFormat = Code(rawValue: "unsupportedFormat")
        /// Damaged, truncated or undecodable image data.
        public static let corrupt = Code(rawValue: "corrupt")
        /// More pixels than `PipelineOptions.maxPixels` (or than memory allows).
        public static let tooManyPixels = Code(rawValue: "tooManyPixels")
        /// The file could not be read; the only code worth retrying.
        public static let io = Code(rawValue: "io")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Retrying cannot help unless the failure was reading the file.
    public var isPermanent: Bool { code != .io }

    public var description: String { "\(code.rawValue): \(message)" }
}
