import Foundation

/// Whether public share links work on this server, and the expiry new links get unless they say otherwise.
public struct SharingConfiguration: Sendable, Equatable {
    /// `SHARE_LINKS=on|off`: off, every `/s/` and link route answers 404, existing links too.
    public var enabled: Bool
    /// `SHARE_LINK_DEFAULT_EXPIRY` (`30d`, `12h`); nil: new links never expire unless asked to.
    public var defaultExpiry: Duration?

    public init(enabled: Bool = true, defaultExpiry: Duration? = nil) {
        self.enabled = enabled
        self.defaultExpiry = defaultExpiry
    }

    /// Parses a lifetime as `90m`, `12h`, `30d` or `4w` (a number and a unit); empty text is nil (never expires).
    /// Throws a readable sentence for anything else.
    public static func lifetime(_ text: String) throws -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !trimmed.isEmpty, trimmed != "never" else { return nil }
        let units: [Character: Int64] = ["m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        guard let unit = trimmed.last, let seconds = units[unit], let count = Int64(trimmed.dropLast()), count > 0,
            count <= 3650 * 86_400 / seconds
        else {
            throw SharingConfigurationError(
                "expected a lifetime like 30d, 12h, 90m or 4w (up to 10 years), or empty for never")
        }
        return .seconds(count * seconds)
    }
}

/// A sharing setting that does not parse.
public struct SharingConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
