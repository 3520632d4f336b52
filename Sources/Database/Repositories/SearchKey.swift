import Foundation

/// The rowid of a photo in SQLite's `photo_search` index (Migrations/sqlite/0012): its place in the timeline,
/// (whole seconds of `taken_at`, clamped to ±2^33) * 2^29 + id. Ordered like (`taken_at`, `id`) except within one
/// second, where the id decides.
enum SearchKey {
    static let idBits: Int64 = 29
    static let idMask: Int64 = (1 << idBits) - 1
    static let secondsLimit: Int64 = 1 << 33

    /// The key of `table`'s photo in SQL, as the migration's triggers compute it.
    static func sql(photos table: String) -> String {
        "max(\(-secondsLimit), min(\(secondsLimit - 1), unixepoch(\(table).taken_at))) * \(1 << idBits) + \(table).id"
    }

    /// The least key of a photo taken at or after `date`.
    static func lowerBound(_ date: Date) -> Int64 {
        clamped(date.timeIntervalSince1970.rounded(.down)) << idBits
    }

    /// A key above every photo taken before `date`.
    static func upperBound(_ date: Date) -> Int64 {
        clamped(date.timeIntervalSince1970.rounded(.up)) << idBits
    }

    static func clamped(_ seconds: Double) -> Int64 {
        Int64(max(Double(-secondsLimit), min(Double(secondsLimit - 1), seconds)))
    }
}
