import NIOConcurrencyHelpers

/// Caps the uploads one server process handles at once (`MAX_CONCURRENT_UPLOADS`); beyond it `POST /photos`
/// answers 503 with `Retry-After` at once instead of queueing bodies the disk and memory must hold.
public final class UploadLimiter: Sendable {
    public let limit: Int
    private let running = NIOLockedValueBox(0)

    public init(limit: Int) {
        self.limit = limit
    }

    /// Runs `body` in a free slot, or throws a 503 when every slot is taken.
    func withSlot<T>(_ body: () async throws -> T) async throws -> T {
        let admitted = running.withLockedValue { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            throw APIError(
                .serviceUnavailable, "too_many_uploads",
                "The server is handling as many uploads as it can; try again in a few seconds.")
        }
        defer { running.withLockedValue { $0 -= 1 } }
        return try await body()
    }
}
