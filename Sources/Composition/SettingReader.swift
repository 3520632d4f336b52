import Foundation
import Imaging
import Storage

/// Reads one setting at a time from a flag or the environment, collecting problems instead of stopping at the first.
package struct SettingReader {
    /// One bad value's complaint: what was expected (the reader adds the name and the value).
    package struct Problem: Error {
        package var message: String
        package init(_ message: String) { self.message = message }
    }

    package let environment: [String: String]
    package var problems: [String] = []

    package init(environment: [String: String]) { self.environment = environment }

    /// The flag, else the variable, else `fallback`, converted; nil (and one problem line) when `convert` refuses it.
    /// `echo: false` leaves the value out of the line, for URLs that may carry a password.
    package mutating func parse<T>(
        _ flag: String?, _ name: String, default fallback: String, echo: Bool = true, _ convert: (String) throws -> T
    ) -> T? {
        let text = flag ?? environment[name] ?? fallback
        let got = echo ? "; got '\(text)'" : ""
        do {
            return try convert(text)
        } catch let problem as Problem {
            problems.append("\(name): \(problem.message)\(got)")
        } catch {
            problems.append("\(name): \(error)\(got)")
        }
        return nil
    }

    /// A text setting; an empty one is a problem.
    package mutating func string(_ flag: String?, _ name: String, default fallback: String) -> String {
        let text = flag ?? environment[name] ?? fallback
        if text.isEmpty { problems.append("\(name): expected a value; got an empty string") }
        return text
    }

    /// A whole number within `range`.
    package mutating func integer(_ flag: String?, _ name: String, default fallback: Int, range: ClosedRange<Int>)
        -> Int
    {
        parse(flag, name, default: String(fallback)) { text in
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw Problem("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        } ?? fallback
    }

    /// true/false, 1/0, yes/no or on/off.
    package mutating func boolean(_ flag: String?, _ name: String, default fallback: Bool) -> Bool {
        parse(flag, name, default: String(fallback)) { text in
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw Problem("expected true or false")
            }
        } ?? fallback
    }

    /// The image pipeline's settings (MAX_PIXELS, DISPLAY_*, THUMBNAIL_*, WEBP_DERIVATIVES): shared by every role and `app thumbnail`.
    package mutating func pipelineOptions(_ settings: Settings) -> PipelineOptions {
        PipelineOptions(
            displaySize: integer(settings.imaging?.displaySize, "DISPLAY_SIZE", default: 1280, range: 16...8192),
            thumbnailSize: integer(settings.imaging?.thumbnailSize, "THUMBNAIL_SIZE", default: 400, range: 16...4096),
            displayQuality: integer(settings.imaging?.displayQuality, "DISPLAY_QUALITY", default: 80, range: 1...100),
            thumbnailQuality: integer(
                settings.imaging?.thumbnailQuality, "THUMBNAIL_QUALITY", default: 75, range: 1...100),
            maxPixels: integer(
                settings.imageLimits?.maxPixels, "MAX_PIXELS", default: 100_000_000, range: 1...1_000_000_000),
            makeWebP: boolean(settings.imaging?.webpDerivatives, "WEBP_DERIVATIVES", default: true))
    }

    /// Bytes as a plain number or with a decimal unit: `50000000`, `50MB`, `512kB`, `1GB`.
    package mutating func byteCount(_ flag: String?, _ name: String, default fallback: Int) -> Int {
        parse(flag, name, default: String(fallback)) { text in
            guard let bytes = ByteCount.parse(text) else {
                throw Problem("expected a size in bytes such as 50000000, 50MB or 8MiB")
            }
            return bytes
        } ?? fallback
    }
}
