import NIOPosix

/// Group commit for directory fsyncs: every upload renames its file into one of a few folders and must fsync that
/// folder before it answers. One fsync of a folder makes durable every rename into it that happened before the
/// fsync began, so callers that arrive while a sync is running wait for the next one, which then covers them all.
/// Under load N concurrent uploads cost one or two directory fsyncs instead of N; alone, an upload waits for exactly
/// one fsync, as before.
public actor DirectorySyncBatcher {
    private let threadPool: NIOThreadPool
    /// Callers whose rename is done, per folder, waiting for a sync that starts after them.
    private var waiting: [String: [CheckedContinuation<Void, any Error>]] = [:]
    private var syncing: Set<String> = []

    public init(threadPool: NIOThreadPool) {
        self.threadPool = threadPool
    }

    /// Returns once `folder` has been fsynced by a call that started after this one was made.
    public func sync(_ folder: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            waiting[folder, default: []].append(continuation)
            if syncing.insert(folder).inserted {
                Task { await self.drain(folder) }
            }
        }
    }

    /// Syncs `folder` until no one waits for it: each round serves everyone who was waiting when it began.
    private func drain(_ folder: String) async {
        while let batch = waiting.removeValue(forKey: folder), !batch.isEmpty {
            let result: Result<Void, any Error>
            do {
                try await threadPool.runIfActive { try POSIXFile.syncDirectory(folder) }
                result = .success(())
            } catch {
                result = .failure(error)
            }
            for continuation in batch { continuation.resume(with: result) }
        }
        syncing.remove(folder)
    }
}
