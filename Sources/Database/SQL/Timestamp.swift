import Foundation

/// How times are written to the database: ISO 8601 text in UTC with milliseconds for display columns,
/// integer milliseconds since 1970 for the queue's arithmetic.
public enum Timestamp {
    static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    /// `2026-11-29T11:07:38.123Z`; sorts as text in time order.
    public static func iso8601(_ date: Date) -> String {
        style.format(date)
    }

    /// Parses what `iso8601(_:)` wrote.
    public static func parse(_ text: String) -> Date? {
        try? style.parse(text)
    }

    /// Milliseconds since 1970.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The date for a count of milliseconds since 1970.
    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
