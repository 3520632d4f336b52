import Database
import Foundation
import Logging
import NIOConcurrencyHelpers

/// `JobQueue` with SQS as the transport (`QUEUE=sqs`). The jobs table stays the record and the outbox: an upload
/// inserts its job in its own transaction (as with the database queue), ``OutboxRelay`` sends it, and workers
/// receive it here. A received message is the lease: its visibility timeout is the lease's length, extended by the
/// heartbeat; a worker that dies stops extending it, and SQS delivers the message again. Success marks the job done
/// and the photo ready in one transaction, then deletes the message; a job that cannot succeed is failed in the
/// database (the photo shows why) and moved to the dead-letter queue, and SQS's redrive policy moves there what no
/// worker lived to report. Delivery is at least once: a job may run twice, which handlers make harmless.
public struct SQSJobQueue: JobQueue {
    let sql: SQLJobQueue
    let database: any SQLDatabase
    let photos: any PhotoRepository
    let client: SQSClient
    let queueURL: String
    let logger: Logger
    let deleter: SQSDeleteBatcher
    /// Receipt handles of the messages this process holds, by job id (two when a job was delivered twice).
    let receipts = NIOLockedValueBox<[Int64: [String]]>([:])
    /// The dead-letter queue's URL, found from the redrive policy once and kept.
    let deadLetterQueue = NIOLockedValueBox<String?>(nil)

    public init(database: any SQLDatabase, photos: any PhotoRepository, client: SQSClient, logger: Logger) {
        self.sql = SQLJobQueue(database: database, photos: photos)
        self.database = database
        self.photos = photos
        self.client = client
        self.queueURL = client.configuration.queueURL
        self.logger = logger
        self.deleter = SQSDeleteBatcher(client: client, queueURL: client.configuration.queueURL, logger: logger)
    }

    /// What a message carries: the job's row, enough to run it without reading the jobs table, and which send of
    /// the row it is.
    struct Message: Codable, Equatable {
        var jobID: Int64
        var kind: String
        var payload: String
        var photoID: Int64?
        var maxAttempts: Int
        var send: Int
        /// Why it was dead-lettered, on messages this queue moved to the dead-letter queue itself.
        var error: String?

        enum CodingKeys: String, CodingKey {
            case jobID = "job_id"
            case kind, payload
            case photoID = "photo_id"
            case maxAttempts = "max_attempts"
            case send, error
        }

        var text: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self) }

        static func parse(_ text: String) -> Message? { try? JSONDecoder().decode(Message.self, from: Data(text.utf8)) }
    }

    // MARK: The outbox side

    public func enqueue(_ job: NewJob, in transaction: SQLTransaction) async throws {
        // The row is the outbox entry; its NOTIFY (PostgreSQL) wakes the relays of every server.
        try await sql.enqueue(job, in: transaction)
    }

    // MARK: The worker side

    public func claim(workerID: String, limit: Int, lease: Duration) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let messages = try await client.receive(
            from: queueURL, limit: limit, visibility: Int(lease.components.seconds),
            wait: client.configuration.waitSeconds)
        var claimed: [ClaimedJob] = []
        var unreadable: [String] = []
        for message in messages {
            guard let body = Message.parse(message.body) else {
                unreadable.append(message.receiptHandle)
                continue
            }
            let duplicate = receipts.withLockedValue { held -> Bool in
                let known = held[body.jobID] != nil
                held[body.jobID, default: []].append(message.receiptHandle)
                return known
            }
            // A second copy of a job this process already runs (a relay that sent twice): finish both together.
            if duplicate { continue }
            claimed.append(
                ClaimedJob(
                    id: body.jobID, kind: body.kind, payload: body.payload, photoID: body.photoID,
                    attempt: message.receiveCount, maxAttempts: body.maxAttempts, workerID: workerID,
                    traceparent: message.traceparent))
        }
        if !unreadable.isEmpty {
            logger.error("deleting messages that are not jobs", metadata: ["sqs.messages": "\(unreadable.count)"])
            await deleter.delete(unreadable)
        }
        return claimed
    }

    public func extendLeases(_ jobIDs: [Int64], workerID: String, lease: Duration) async throws {
        let handles = receipts.withLockedValue { held in jobIDs.flatMap { held[$0] ?? [] } }
        for start in stride(from: 0, to: handles.count, by: 10) {
            try await client.changeVisibility(
                Array(handles[start..<min(start + 10, handles.count)]), seconds: Int(lease.components.seconds),
                in: queueURL)
        }
    }

    /// The receipt handles held for a job, forgotten.
    func takeReceipts(_ job: ClaimedJob) -> [String] {
        receipts.withLockedValue { $0.removeValue(forKey: job.id) } ?? []
    }

    public func retry(_ job: ClaimedJob, error: String, runAt: Date) async throws {
        guard job.attempt < job.maxAttempts else {
            try await fail(job, error: "\(error) (gave up after \(job.attempt) attempts)")
            return
        }
        _ = try? await database.write(
            "UPDATE jobs SET last_error = \(error), updated_at = \(now: .text) WHERE id = \(job.id) AND state = 'available'"
        )
        // The backoff is the message's new visibility timeout (SQS's limit is 12 hours).
        let delay = max(0, min(Int(runAt.timeIntervalSinceNow.rounded(.up)), 43_200))
        try await client.changeVisibility(takeReceipts(job), seconds: delay, in: queueURL)
    }

    public func fail(_ job: ClaimedJob, error: String) async throws {
        let send = try await markFailed(jobID: job.id, error: error)
        let handles = takeReceipts(job)
        if let send, let deadLetters = try? await deadLetterQueueURL() {
            let message = Message(
                jobID: job.id, kind: job.kind, payload: job.payload, photoID: job.photoID, maxAttempts: job.maxAttempts,
                send: send, error: error)
            _ = try await client.sendBatch([(id: "j\(job.id)", body: message.text)], to: deadLetters)
        }
        await deleter.delete(handles)
    }

    /// Fails the job's row and its photo (with the reason) unless it is done already; returns the row's send count,
    /// or nil when there was nothing to fail.
    @discardableResult
    func markFailed(jobID: Int64, error: String) async throws -> Int? {
        try await database.transaction { transaction in
            let rows = try await transaction.query(
                """
                UPDATE jobs SET state = 'failed', last_error = \(error), updated_at = \(now: .text),
                                finished_at = \(now: .text)
                WHERE id = \(jobID) AND state = 'available'
                RETURNING photo_id, sends
                """)
            guard let row = rows.first else { return nil }
            if let photoID = try row.decode("photo_id", as: Int64?.self) {
                try await photos.setStatus(.failed, error: error, photoIDs: [photoID], in: transaction)
            }
            return try row.decode("sends", as: Int.self)
        }
    }

    public func release(_ job: ClaimedJob) async throws {
        // Visible again now: another worker takes it at once. SQS still counted the receive.
        try await client.changeVisibility(takeReceipts(job), seconds: 0, in: queueURL)
    }

    public func complete(
        _ job: ClaimedJob, recording record: (@Sendable (SQLTransaction) async throws -> Void)?
    ) async throws -> Bool {
        let completed = try await database.transaction { transaction in
            let finished = try await transaction.query(
                """
                UPDATE jobs SET state = 'done', attempts = \(job.attempt), last_error = NULL,
                                updated_at = \(now: .text), finished_at = \(now: .text)
                WHERE id = \(job.id) AND state = 'available'
                RETURNING id
                """)
            // Done already (a second delivery finished first), failed, or deleted with its photo: record nothing.
            guard !finished.isEmpty else { return false }
            try await record?(transaction)
            return true
        }
        await deleter.delete(takeReceipts(job))
        return completed
    }

    // MARK: Operators

    public func stats() async throws -> QueueStats {
        var stats = try await sql.stats()
        let outbox = try await database.read(
            """
            SELECT count(*) AS n, min(run_at) AS oldest FROM jobs WHERE state = 'available' AND sent_at IS NULL
            """)
        let depth = try outbox.first?.decode("n", as: Int.self) ?? 0
        let oldest = try outbox.first?.decode("oldest", as: Date?.self).map { max(0, Date().timeIntervalSince($0)) }
        let main = try? await client.attributes(of: queueURL)
        var deadLetters: Int?
        if let url = try? await deadLetterQueueURL(), let attributes = try? await client.attributes(of: url) {
            deadLetters = attributes["ApproximateNumberOfMessages"].flatMap { Int($0) }
        }
        stats.transport = TransportStats(
            outboxDepth: depth, oldestPendingAge: oldest,
            inFlight: main?["ApproximateNumberOfMessagesNotVisible"].flatMap { Int($0) },
            waiting: main?["ApproximateNumberOfMessages"].flatMap { Int($0) }, deadLetters: deadLetters)
        return stats
    }

    public func failedJobs(limit: Int) async throws -> [FailedJob] {
        try await sql.failedJobs(limit: limit)
    }

    /// Puts failed jobs back in the outbox (the relay sends them again) and removes their dead letters.
    public func retryFailed(_ selection: FailedJobSelection) async throws -> Int {
        let sends = try await sql.retryFailedReturningSends(selection)
        if !sends.isEmpty { _ = try? await purgeDeadLetters(sends) }
        return sends.count
    }

    public func requeueStuckPhotos(idle: Duration, maxAttempts: Int) async throws -> [Int64] {
        try await sql.requeueStuckPhotos(idle: idle, maxAttempts: maxAttempts)
    }

    // MARK: The dead-letter queue

    /// The dead-letter queue's URL, from the queue's redrive policy (found once, then kept); throws when it has none.
    public func deadLetterQueueURL() async throws -> String {
        if let known = deadLetterQueue.withLockedValue({ $0 }) { return known }
        let url = try await Self.deadLetterQueueURL(client: client, queueURL: queueURL).url
        deadLetterQueue.withLockedValue { $0 = url }
        return url
    }

    /// The dead-letter queue named by the queue's redrive policy, and its `maxReceiveCount`.
    static func deadLetterQueueURL(client: SQSClient, queueURL: String) async throws -> (url: String, receives: String)
    {
        let attributes = try await client.attributes(of: queueURL)
        guard let policy = attributes["RedrivePolicy"],
            let object = try? JSONSerialization.jsonObject(with: Data(policy.utf8)) as? [String: Any],
            let arn = object["deadLetterTargetArn"] as? String
        else {
            throw SQSError(
                code: "NoRedrivePolicy",
                message:
                    "SQS_QUEUE_URL: the queue has no redrive policy; give it a dead-letter queue (deploy/managed-queue)"
            )
        }
        // arn:aws:sqs:REGION:ACCOUNT:NAME
        let parts = arn.split(separator: ":").map(String.init)
        guard parts.count >= 6 else {
            throw SQSError(code: "NoRedrivePolicy", message: "SQS_QUEUE_URL: the redrive policy names '\(arn)'")
        }
        let url = try await client.queueURL(named: parts[5], owner: parts[4])
        return (url, "\(object["maxReceiveCount"] ?? "?")")
    }

    /// Checks what a typo or a wrong key breaks (the queue, the credentials, the redrive policy) and returns a
    /// summary; an unreachable service is only reported in the summary, since the outbox holds jobs until it is back.
    public func checkConfiguration() async throws -> String {
        try await Self.checkConfiguration(client: client)
    }

    /// `app check`'s and `/readyz`'s test of the queue, needing no database.
    public static func checkConfiguration(client: SQSClient) async throws -> String {
        do {
            let (deadLetters, receives) = try await deadLetterQueueURL(
                client: client, queueURL: client.configuration.queueURL)
            return "reachable, dead letters to \(deadLetters) after \(receives) receives"
        } catch let error as SQSError where error.isTransient {
            return "unreachable now (\(error.message)); uploads wait in the outbox"
        } catch let error as SQSError {
            throw SQSError(code: error.code, message: Self.explain(error), isTransient: false)
        }
    }

    /// One line an operator can act on.
    static func explain(_ error: SQSError) -> String {
        switch error.code {
        case "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NonExistentQueue":
            return "SQS_QUEUE_URL: no such queue (\(error.code))"
        case "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "AccessDenied",
            "AccessDeniedException", "InvalidAccessKeyId", "IncompleteSignature":
            return "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: SQS refused the credentials (\(error.code))"
        default:
            return error.message
        }
    }

    /// Walks the dead-letter queue once: a dead letter about a job still waiting in the database (its worker died
    /// on every attempt, and the redrive policy moved it) fails the job and its photo with that reason; one about a
    /// job that was put back, finished or deleted since is removed. Returns how many jobs it failed.
    @discardableResult
    public func reconcileDeadLetters() async throws -> Int {
        let url = try await deadLetterQueueURL()
        var failed = 0
        for _ in 0..<20 {
            let messages = try await client.receive(from: url, limit: 10, visibility: 30, wait: 0)
            if messages.isEmpty { break }
            var stale: [String] = []
            var keep: [String] = []
            for message in messages {
                guard let body = Message.parse(message.body) else {
                    stale.append(message.receiptHandle)
                    continue
                }
                let row = try await database.read("SELECT state, sends FROM jobs WHERE id = \(body.jobID)").first
                let state = try row?.decode("state", as: String.self)
                let sends = try row?.decode("sends", as: Int.self) ?? 0
                if state == "available", sends <= body.send {
                    let reason =
                        body.error
                        ?? "a worker stopped (killed or out of memory) on each of \(body.maxAttempts) attempts"
                    if try await markFailed(jobID: body.jobID, error: reason) != nil { failed += 1 }
                    keep.append(message.receiptHandle)
                } else if state == "failed" && sends <= body.send {
                    keep.append(message.receiptHandle)
                } else {
                    stale.append(message.receiptHandle)
                }
            }
            try await client.deleteBatch(stale, from: url)
            // The rest stay as the record of dead letters; visible again for `app jobs retry`.
            try await client.changeVisibility(keep, seconds: 0, in: url)
            if keep.count == messages.count { break }
        }
        return failed
    }

    /// Deletes the dead letters of jobs put back, from sends up to the count given for each: a job sent again
    /// meanwhile may already have a new dead letter, which stays. Returns how many it deleted.
    func purgeDeadLetters(_ sends: [Int64: Int]) async throws -> Int {
        let url = try await deadLetterQueueURL()
        var deleted = 0
        for _ in 0..<20 {
            let messages = try await client.receive(from: url, limit: 10, visibility: 10, wait: 0)
            if messages.isEmpty { break }
            let (mine, others) = messages.reduce(into: ([String](), [String]())) { split, message in
                if let body = Message.parse(message.body), let last = sends[body.jobID], body.send <= last {
                    split.0.append(message.receiptHandle)
                } else {
                    split.1.append(message.receiptHandle)
                }
            }
            try await client.deleteBatch(mine, from: url)
            try await client.changeVisibility(others, seconds: 0, in: url)
            deleted += mine.count
            if mine.isEmpty { break }
        }
        return deleted
    }
}
