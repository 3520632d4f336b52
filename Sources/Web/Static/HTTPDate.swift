import Foundation

/// HTTP dates (RFC 9110 IMF-fixdate), as `Last-Modified` and tus's `Upload-Expires` want them:
/// `Sun, 29 Nov 2026 18:00:00 GMT`.
enum HTTPDate {
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
