import ArgumentParser
import Composition
import Database
import Foundation
import Jobs

/// `app jobs`: the queue as an operator sees it, and putting failed jobs back.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Show the job queue, or put failed jobs back.",
        subcommands: [JobsStatusCommand.self, JobsRetryCommand.self], defaultSubcommand: JobsStatusCommand.self)
}

/// `app jobs [status]`: depth by state, the oldest waiting job's age, and the failed jobs with their reasons.
struct JobsStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Queue depth by state, the oldest waiting job's age, failed jobs with reasons."
    )

    @Option(help: "How many failed jobs to list, newest first.") var limit = 20
    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    @OptionGroup(title: QueueOptions.title) var queue: QueueOptions
    var settings: Settings { Settings(process: process, database: database, queue: queue) }

    func run() async throws {
        let limit = self.limit
        try await Runtime.run(settings, role: "app jobs") { configuration, _, logger in
            let database = try await DatabaseBackend.open(configuration, logger: logger)
            let (stats, failed) = try await Runtime.withQueue(configuration, database: database, logger: logger) {
                queue in
                try await database.run {
                    try await database.requireCurrent()
                    return (try await queue.stats(), try await queue.failedJobs(limit: max(0, limit)))
                }
            }
            print(Self.render(stats: stats, failed: failed, now: Date()), terminator: "")
        }
    }

    /// The report, as printed.
    static func render(stats: QueueStats, failed: [FailedJob], now: Date) -> String {
        var text = "jobs by state: "
        text += JobState.allCases.map { "\($0.rawValue) \(stats.counts[$0] ?? 0)" }.joined(separator: ", ") + "\n"
        text += "oldest waiting job: \(stats.oldestAvailableAge.map { describe(age: $0) } ?? "none waiting")\n"
        if let transport = stats.transport {
            func count(_ value: Int?) -> String { value.map(String.init) ?? "? (SQS did not answer)" }
            text +=
                "outbox (not yet sent to SQS): \(transport.outboxDepth), oldest \(transport.oldestPendingAge.map { describe(age: $0) } ?? "none waiting")\n"
            text +=
                "sqs: waiting \(count(transport.waiting)), in flight \(count(transport.inFlight)), dead letters: \(count(transport.deadLetters))\n"
        }
        guard !failed.isEmpty else { return text + "failed jobs: none\n" }
        let total = stats.counts[.failed] ?? failed.count
        text +=
            "failed jobs (\(failed.count) of \(total), newest first; `app jobs retry ID` or `--failed` puts them back):\n"
        for job in failed {
            let photo = job.photoID.map { "photo \($0)" } ?? "no photo"
            let ago = describe(age: now.timeIntervalSince(job.failedAt))
            text +=
                "  #\(job.id) \(job.kind) \(photo), \(job.attempts) attempts, \(ago) ago: \(job.error ?? "(no reason recorded)")\n"
        }
        return text
    }

    /// `42 s`, `7 min`, `3 h 5 min`, `2 d 4 h`.
    static func describe(age: TimeInterval) -> String {
        let seconds = max(0, Int(age.rounded()))
        switch seconds {
        case ..<60: return "\(seconds) s"
        case ..<3600: return "\(seconds / 60) min"
        case ..<86_400: return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
        default: return "\(seconds / 86_400) d \(seconds % 86_400 / 3600) h"
        }
    }
}

/// `app jobs retry ID…` or `app jobs retry --failed`.
struct JobsRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Put failed jobs back in the queue with fresh attempts (their photos show queued again).")

    @Argument(help: "The ids of failed jobs (from `app jobs`).") var ids: [Int64] = []
    @Flag(name: .customLong("failed"), help: "Every failed job.") var allFailed = false
    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    @OptionGroup(title: QueueOptions.title) var queue: QueueOptions
    var settings: Settings { Settings(process: process, database: database, queue: queue) }

    func validate() throws {
        if ids.isEmpty == !allFailed {
            throw ValidationError("name failed job ids, or --failed for all of them (not both)")
        }
    }

    func run() async throws {
        let selection: FailedJobSelection = allFailed ? .all : .ids(ids)
        try await Runtime.run(settings, role: "app jobs retry") { configuration, _, logger in
            let database = try await DatabaseBackend.open(configuration, logger: logger)
            // With SQS the jobs go back to the outbox, and their dead letters are removed.
            let count = try await Runtime.withQueue(configuration, database: database, logger: logger) { queue in
                try await database.run {
                    try await database.requireCurrent()
                    return try await queue.retryFailed(selection)
                }
            }
            print("put back \(count) failed job\(count == 1 ? "" : "s")")
            if case .ids(let requested) = selection, count < requested.count {
                print("\(requested.count - count) of the ids named no failed job")
                throw ExitCode(1)
            }
        }
    }
}
