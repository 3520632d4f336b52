import Foundation
import Testing

@testable import Storage

/// Presigned URLs are reused for half their lifetime, then signed again.
@Suite struct PresignedURLMemoTests {
    @Test func reusesAURLForHalfItsLifetime() throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_700_000_000))
        var store = try SigV4KnownAnswerTests.store(
            endpoint: "http://127.0.0.1:9000", bucket: "photos", region: "eu-west-1", pathStyle: true, token: nil,
            lifetime: 3600)
        store.now = { clock.withLockedValue { $0 } }
        let key = MediaKey(kind: .thumbnail, hash: String(repeating: "ab", count: 32), fileExtension: "jpg")
        let first = store.url(for: key)
        clock.withLockedValue { $0 += 1799 }
        #expect(store.url(for: key) == first, "the same URL while at least half its lifetime is left")
        clock.withLockedValue { $0 += 2 }
        let second = store.url(for: key)
        #expect(second != first)
        #expect(second == store.presignedURL(for: key, date: clock.withLockedValue { $0 }))
        clock.withLockedValue { $0 -= 600 }
        #expect(store.url(for: key) != second, "a clock that moved back signs again")
    }
}

/// A settable clock for tests (only one test thread touches it at a time).
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date
    init(_ date: Date) { self.date = date }
    func withLockedValue<T>(_ body: (inout Date) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&date)
    }
}
