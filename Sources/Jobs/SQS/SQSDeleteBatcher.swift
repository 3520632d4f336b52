import Logging

/// Gathers the deletions of jobs finishing at about the same time into `DeleteMessageBatch` calls of up to 10.
/// The first caller waits a few milliseconds for others, sends every batch, then lets them all return. A deletion
/// that fails is only logged: the message comes back after its visibility timeout, and running it again is harmless.
actor SQSDeleteBatcher {
    let client: SQSClient
    let queueURL: String
    let window: Duration
    let logger: Logger
    private var pending: [String] = []
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var leading = false

    init(client: SQSClient, queueURL: String, window: Duration = .milliseconds(20), logger: Logger) {
        self.client = client
        self.queueURL = queueURL
        self.window = window
        self.logger = logger
    }

    /// Deletes the messages with these receipt handles, in a batch with whatever else is being deleted now.
    func delete(_ receipts: [String]) async {
        guard !receipts.isEmpty else { return }
        pending += receipts
        if leading {
            await withCheckedContinuation { waiters.append($0) }
            return
        }
        leading = true
        if pending.count < 10 { try? await Task.sleep(for: window) }
        while !pending.isEmpty {
            let batch = Array(pending.prefix(10))
            pending.removeFirst(batch.count)
            do {
                try await client.deleteBatch(batch, from: queueURL)
            } catch {
                logger.warning(
                    "deleting finished messages failed; they will be delivered again",
                    metadata: ["error": "\(error)", "sqs.messages": "\(batch.count)"])
            }
        }
        leading = false
        let finished = waiters
        waiters = []
        for waiter in finished { waiter.resume() }
    }
}
