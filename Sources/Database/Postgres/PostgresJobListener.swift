import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Wakes workers when jobs are enqueued: `LISTEN memories_jobs` on a connection of its own (a pooled one would
/// go back to the pool and stop listening). Notifications are a hint, never the only way in: one sent while the
/// connection is down is lost, so the listener reports a wake-up after every (re)connect and the worker keeps a
/// slow poll as the fallback.
public struct PostgresJobListener: Sendable {
    /// The channel the queue notifies (enqueue, release, retry), in the same transaction as the job.
    public static let channel = "memories_jobs"

    let database: PostgresDatabase
    let minimumBackoff: Duration
    let maximumBackoff: Duration
    let pingInterval: Duration

    /// - Parameters:
    ///   - minimumBackoff, maximumBackoff: the wait before reconnecting, doubled after each failure up to the maximum.
    ///   - pingInterval: how often the idle connection is checked with `SELECT 1`, so a connection that died
    ///     without a word (a dropped route, a killed proxy) is noticed and replaced instead of listening forever.
    public init(
        database: PostgresDatabase, minimumBackoff: Duration = .milliseconds(100),
        maximumBackoff: Duration = .seconds(30),
        pingInterval: Duration = .seconds(30)
    ) {
        self.database = database
        self.minimumBackoff = minimumBackoff
        self.maximumBackoff = maximumBackoff
        self.pingInterval = pingInterval
    }

    /// Listens until cancelled, calling `onNotification` for every notification and once after each successful
    /// `LISTEN` (the first included), since whatever was notified before it was missed. Connection failures are
    /// logged and retried with backoff; returns when the task is cancelled.
    public func run(onNotification: @escaping @Sendable () -> Void) async throws {
        var backoff = minimumBackoff
        var failures = 0
        while !Task.isCancelled {
            do {
                let connection = try await database.connect(purpose: "listener")
                let listened = try await listen(on: connection) {
                    // Listening again: whatever was notified while disconnected is lost, so wake the worker once.
                    backoff = minimumBackoff
                    failures = 0
                    onNotification()
                } onNotification: {
                    onNotification()
                }
                if listened && !Task.isCancelled {
                    database.logger.warning("job listener connection ended; reconnecting")
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                failures += 1
                // The first failure after a working connection is routine (a restart); repeated ones are not.
                let level: Logger.Level = failures > 3 ? .error : .warning
                database.logger.log(
                    level: level, "job listener cannot listen; retrying",
                    metadata: [
                        "error": "\(database.mapError(error))", "retry.in": "\(backoff)",
                        "retry.failures": "\(failures)",
                    ])
            }
            do {
                try await Task.sleep(for: backoff)
            } catch {
                return
            }
            backoff = min(backoff * 2, maximumBackoff)
        }
    }

    /// Listens on one connection until it closes or fails; returns whether `LISTEN` had succeeded.
    private func listen(
        on connection: PostgresConnection, onListening: () -> Void, onNotification: @escaping @Sendable () -> Void
    ) async throws -> Bool {
        let logger = database.logger
        let pingInterval = self.pingInterval
        var listening = false
        // postgres-nio requires a connection to be closed (not merely released) before it goes away.
        func close() async { try? await connection.close().get() }
        do {
            try await withTaskCancellationHandler {
                try await connection.listen(on: Self.channel) { notifications in
                    listening = true
                    onListening()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await _ in notifications { onNotification() }
                        }
                        group.addTask {
                            // A query on a dead connection fails (or the close ends the notification stream too).
                            while true {
                                try await Task.sleep(for: pingInterval)
                                try await connection.query("SELECT 1", logger: logger)
                            }
                        }
                        // Whichever ends first (the stream closed, a ping failed) ends this connection.
                        defer { group.cancelAll() }
                        try await group.next()
                    }
                }
            } onCancel: {
                _ = connection.close() as EventLoopFuture<Void>
            }
        } catch {
            await close()
            throw error
        }
        await close()
        return listening
    }
}
