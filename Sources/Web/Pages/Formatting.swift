import Foundation

/// Human-readable numbers and dates for pages and messages.
enum Formatting {
    /// `2.4 MB`, `830 kB`, `512 bytes` (decimal units, as file managers show them).
    static func bytes(_ count: Int) -> String {
        let units = ["kB", "MB", "GB", "TB"]
        guard count >= 1000 else { return "\(count) bytes" }
        var value = Double(count)
        var unit = -1
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let rounded = value < 10 ? (value * 10).rounded() / 10 : value.rounded()
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return "\(text) \(units[unit])"
    }

    private static func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// `29 Nov 2026, 11:07` in UTC.
    static func date(_ date: Date) -> String {
        let parts = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return
            "\(parts.day ?? 0) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 0), \(pad(parts.hour ?? 0)):\(pad(parts.minute ?? 0))"
    }

    /// `29 Nov 2026` in UTC.
    static func day(_ date: Date) -> String {
        String(Self.date(date).prefix { $0 != "," })
    }

    /// An EXIF capture time as the camera's clock showed it, with its offset: `4 May 2019, 17:22 +02:00`; without
    /// one, the camera's local time alone.
    static func captureDate(_ text: String, offset: String?) -> String {
        guard let offset else { return captureDate(text) }
        return "\(captureDate(text)) \(offset)"
    }

    /// An EXIF capture time `2019-05-04T17:22:10` as `4 May 2019, 17:22`.
    static func captureDate(_ text: String) -> String {
        let digits = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard digits.count >= 5, (1...12).contains(digits[1]) else { return text }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(digits[2]) \(months[digits[1] - 1]) \(digits[0]), \(pad(digits[3])):\(pad(digits[4]))"
    }

    /// The timeline month of a time, `2019-07` (UTC, as the timeline buckets are).
    static func monthKey(_ date: Date) -> String {
        let parts = utcCalendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 1)
    }

    /// `2019-07` as `July 2019`; the text itself when it is not a month.
    static func monthTitle(_ key: String) -> String {
        let names = [
            "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December",
        ]
        let parts = key.split(separator: "-")
        guard parts.count == 2, let month = Int(parts[1]), (1...12).contains(month) else { return key }
        return "\(names[month - 1]) \(parts[0])"
    }

    /// `2019-07` as the first instant of that month and of the next (UTC); nil unless it is a month.
    static func monthWindow(_ key: String) -> (start: Date, end: Date)? {
        let parts = key.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]),
            let month = Int(parts[1]), (1...12).contains(month),
            let start = utcCalendar.date(from: DateComponents(year: year, month: month, day: 1)),
            let end = utcCalendar.date(byAdding: .month, value: 1, to: start)
        else { return nil }
        return (start, end)
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

extension Formatting {
    /// `2019-07-14` as that day's window (UTC, as `taken_at` is), or nil unless a real date in that form.
    static func dayWindow(_ text: String) -> (start: Date, end: Date)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) }), let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2]), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day)
        // The calendar rolls 2019-02-30 over to March: a date that is not real is refused, not moved.
        guard let start = utcCalendar.date(from: components),
            utcCalendar.dateComponents([.year, .month, .day], from: start) == components,
            let end = utcCalendar.date(byAdding: .day, value: 1, to: start)
        else { return nil }
        return (start, end)
    }
}
