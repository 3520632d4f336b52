import Database
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Sends the outbox to SQS (`QUEUE=sqs`): jobs committed with their uploads but not yet sent go out in
/// `SendMessageBatch` calls of 10 and are stamped `sent_at`. It runs in `app serve` (and `app dev`), where the rows
/// are written: the upload that commits a job wakes it in-process (PostgreSQL's `NOTIFY` wakes the relays of the
/// other servers too), it needs the database the server already has, and it scales with the servers. While SQS is
/// down the rows wait and the relay backs off; uploads still succeed. Killed between a send and its stamp, it sends
/// those jobs again: a duplicate, which workers run harmlessly. It also walks the dead-letter queue now and then
/// (``SQSJobQueue/reconcileDeadLetters()``), so a job that killed every worker shows as failed.
public struct OutboxRelay: Service {
    let queue: SQSJobQueue
    let wake: WakeSignal
    let logger: Logger
    /// The slow poll, for jobs written where no notification reaches this process (SQLite, another host's sweep).
    let pollInterval: Duration
    let deadLetterInterval: Duration

    public init(
        queue: SQSJobQueue, wake: WakeSignal, logger: Logger, pollInterval: Duration = .seconds(1),
        deadLetterInterval: Duration = .seconds(30)
    ) {
        self.queue = queue
        self.wake = wake
        self.logger = logger
        self.pollInterval = pollInterval
        self.deadLetterInterval = deadLetterInterval
    }

    public func run() async throws {
        logger.info("outbox relay started", metadata: ["sqs.queue": "\(queue.queueURL)"])
        await cancelWhenGracefulShutdown {
            var failures = 0
            var lastReconcile = ContinuousClock.now - deadLetterInterval
            while !Task.isCancelled {
                do {
                    let sent = try await relayBatch()
                    if failures > 0 { logger.info("SQS is reachable again; sending the outbox") }
                    failures = 0
                    // A full batch: more are probably waiting.
                    if sent == 10 { continue }
                } catch {
                    failures += 1
                    if failures == 1 || failures % 30 == 0 {
                        logger.error(
                            "sending the outbox failed; jobs wait in the database",
                            metadata: ["error": "\(error)", "relay.failures": "\(failures)"])
                    }
                    // 1, 2, 4 … up to 30 seconds between tries while SQS is down.
                    try? await Task.sleep(for: .seconds(min(30, 1 << min(failures - 1, 5))))
                    continue
                }
                if ContinuousClock.now - lastReconcile >= deadLetterInterval {
                    lastReconcile = .now
                    do {
                        let failed = try await queue.reconcileDeadLetters()
                        if failed > 0 { logger.warning("dead letters failed jobs", metadata: ["jobs": "\(failed)"]) }
                    } catch {
                        logger.warning("reading the dead-letter queue failed", metadata: ["error": "\(error)"])
                    }
                }
                await wake.wait(timeout: pollInterval)
            }
        }
        logger.info("outbox relay stopped")
    }

    /// Sends up to 10 pending jobs and stamps those SQS accepted; returns how many it sent.
    /// PostgreSQL: the rows are locked (`SKIP LOCKED`) while they are sent, so several servers' relays never send
    /// the same row at once. SQLite: read, send, stamp, without holding the single writer's lock across the call.
    public func relayBatch() async throws -> Int {
        let database = queue.database
        if database.dialect == .postgres {
            return try await database.transaction { transaction in
                let rows = try await transaction.query(Self.pending(locking: true))
                return try await send(rows) { ids in
                    try await transaction.query(Self.stamp(ids))
                }
            }
        }
        let rows = try await database.read(Self.pending(locking: false))
        return try await send(rows) { ids in _ = try await database.write(Self.stamp(ids)) }
    }

    static func pending(locking: Bool) -> SQLStatement {
        """
        SELECT id, kind, payload\(postgres: "::text", sqlite: "") AS payload, photo_id, max_attempts, sends, traceparent
        FROM jobs WHERE state = 'available' AND sent_at IS NULL ORDER BY id LIMIT 10\(raw: locking ? " FOR UPDATE SKIP LOCKED" : "")
        """
    }

    static func stamp(_ ids: [Int64]) -> SQLStatement {
        "UPDATE jobs SET sent_at = \(now: .milliseconds), sends = sends + 1 WHERE id \(in: ids)"
    }

    private func send(_ rows: [SQLRow], stamp: ([Int64]) async throws -> Void) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        var entries: [(id: String, body: String)] = []
        var traceparents: [String: String] = [:]
        for row in rows {
            let message = SQSJobQueue.Message(
                jobID: try row.decode("id"), kind: try row.decode("kind"), payload: try row.decode("payload"),
                photoID: try row.decode("photo_id"), maxAttempts: try row.decode("max_attempts"),
                send: try row.decode("sends", as: Int.self) + 1)
            entries.append((id: "j\(message.jobID)", body: message.text))
            // The upload's trace context rides as a message attribute, copied from the row.
            if let traceparent = try row.decode("traceparent", as: String?.self) {
                traceparents["j\(message.jobID)"] = traceparent
            }
        }
        let accepted = try await queue.client.sendBatch(entries, to: queue.queueURL, traceparents: traceparents)
        let ids = accepted.compactMap { Int64($0.dropFirst()) }
        if !ids.isEmpty { try await stamp(ids) }
        Counter(label: "memories_outbox_sent_total").increment(by: ids.count)
        return ids.count
    }
}
