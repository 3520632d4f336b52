import Foundation
import MemoriesTestSupport
import Testing

/// Each subcommand's `--help` lists the flags of the settings it reads and no others (issue 26): an operator
/// reading `app migrate --help` sees the database settings, not the thumbnail sizes.
@Suite("Command help")
struct CommandHelpTests {
    struct Expectation: Sendable, CustomTestStringConvertible {
        var command: [String]
        var has: [String]
        var lacks: [String]
        var testDescription: String { "app \(command.joined(separator: " "))" }
    }

    static let everyDatabaseCommand = ["--database-url", "--log-level"]
    static let serverOnly = ["--port", "--tus-max-chunk-bytes", "--auth-required", "--share-links"]
    static let workerOnly = ["--concurrency", "--job-lease-seconds", "--sweep-interval-seconds"]
    static let derivatives = ["--display-size", "--thumbnail-quality", "--webp-derivatives"]
    static let storage = ["--storage", "--s3-bucket", "--media-root"]

    static let expectations: [Expectation] = [
        .init(
            command: ["migrate"], has: everyDatabaseCommand,
            lacks: serverOnly + workerOnly + derivatives + storage + ["--trash-days"]),
        .init(command: ["jobs", "status"], has: everyDatabaseCommand, lacks: serverOnly + workerOnly + storage),
        .init(
            command: ["users", "create"], has: everyDatabaseCommand + ["--bcrypt-cost"], lacks: serverOnly + storage),
        .init(command: ["tokens", "create"], has: everyDatabaseCommand, lacks: serverOnly + ["--bcrypt-cost"]),
        .init(
            command: ["serve"],
            has: everyDatabaseCommand + serverOnly + storage + ["--max-pixels", "--cache-url", "--trash-days"],
            lacks: workerOnly + derivatives),
        .init(
            command: ["worker"],
            has: everyDatabaseCommand + workerOnly + derivatives + storage + [
                "--metrics-port", "--cache-url", "--trash-days",
            ],
            lacks: serverOnly),
        .init(command: ["thumbnail"], has: derivatives + ["--max-pixels"], lacks: everyDatabaseCommand + storage),
        .init(
            command: ["import"], has: everyDatabaseCommand + storage + ["--concurrency", "--max-pixels"],
            lacks: serverOnly + derivatives + ["--job-lease-seconds"]),
        .init(command: ["storage", "copy"], has: everyDatabaseCommand + storage, lacks: serverOnly + derivatives),
        .init(command: ["dev"], has: everyDatabaseCommand + serverOnly + workerOnly + derivatives + storage, lacks: []),
    ]

    /// The long flags `app COMMAND --help` lists.
    static func flags(_ command: [String]) async throws -> Set<String> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("help-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, output) = try await AppProcess.run(
            command + ["--help"], environment: [:], logDirectory: directory, name: "help")
        #expect(status == 0, "\(output)")
        let regex = try NSRegularExpression(pattern: #"^\s+(--[a-z0-9-]+)"#, options: .anchorsMatchLines)
        return Set(
            regex.matches(in: output, range: NSRange(output.startIndex..., in: output)).compactMap {
                Range($0.range(at: 1), in: output).map { String(output[$0]) }
            })
    }

    @Test("--help lists the settings a command reads, and only those", arguments: expectations)
    func helpListsWhatTheCommandReads(_ expectation: Expectation) async throws {
        let flags = try await Self.flags(expectation.command)
        for flag in expectation.has { #expect(flags.contains(flag), "\(expectation.testDescription) lacks \(flag)") }
        for flag in expectation.lacks { #expect(!flags.contains(flag), "\(expectation.testDescription) lists \(flag)") }
    }
}
