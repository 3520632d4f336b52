import Foundation

/// Presigned URLs kept until half their lifetime has passed, so every page render hands out the same URL for a
/// key and browsers (and NGINX, and CDNs) can cache the image, while each URL handed out has at least half its
/// lifetime left. Per process and bounded; signing is cheap, so a cleared memo costs nothing but new URLs.
final class PresignedURLMemo: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (url: String, signedAt: Date)] = [:]
    let capacity: Int

    init(capacity: Int = 20_000) {
        self.capacity = capacity
    }

    /// The memoised URL for `path` if it was signed no more than `lifetime / 2` seconds before `now` (and not
    /// in the future: a clock that moved back signs again); otherwise `sign(now)`'s, remembered.
    func url(for path: String, now: Date, lifetime: Int, sign: (Date) -> String) -> String {
        lock.lock()
        defer { lock.unlock() }
        if let entry = entries[path] {
            let age = now.timeIntervalSince(entry.signedAt)
            if age >= 0, age < Double(lifetime) / 2 { return entry.url }
        }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        let url = sign(now)
        entries[path] = (url, now)
        return url
    }
}
