import Foundation
import MemoriesTestSupport

/// One `app` process as an operator runs it: the binary built beside the tests, settings in its environment,
/// its output in a log file the test can read.
final class AppProcess: @unchecked Sendable {
    let arguments: [String]
    let logPath: String
    private let child: ChildProcess

    /// The `app` binary `swift build` put beside the test bundle (or in `.build/debug`).
    static let binary: String? = {
        var candidates: [String] = []
        if let bundle = Bundle.main.executableURL {
            candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("app").path)
        }
        candidates.append(
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("app")
                .path)
        candidates.append(TestWorkspace.repositoryRoot + "/.build/debug/app")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Starts `app ARGUMENTS` with `environment` added to a minimal one (PATH, HOME, RESOURCES_DIR, LOG_LEVEL=info).
    /// Standard input is the file `stdinPath`, or /dev/null (never the test runner's terminal).
    init(
        _ arguments: [String], environment: [String: String], logDirectory: String, name: String,
        stdinPath: String? = nil
    ) throws {
        guard let binary = Self.binary else {
            throw SystemTestError(
                "the app binary was not built beside the tests: run `swift build --build-tests` first")
        }
        self.arguments = arguments
        self.logPath = logDirectory + "/\(name).log"
        var base = ["RESOURCES_DIR": TestWorkspace.repositoryRoot, "LOG_LEVEL": "info"]
        for name in ["PATH", "HOME", "TMPDIR"] { base[name] = ProcessInfo.processInfo.environment[name] }
        child = try ChildProcess(
            executable: binary, arguments: arguments, environment: base.merging(environment) { $1 }, logPath: logPath,
            stdinPath: stdinPath ?? "/dev/null")
    }

    var pid: Int32 { child.pid }
    var isRunning: Bool { child.isRunning }

    func signal(_ signal: Int32) {
        child.signal(signal)
    }

    /// Waits for the process to end and returns its exit status; throws if it is still running after `timeout`.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        guard let status = try await child.waitForExit(timeout: timeout) else {
            throw SystemTestError(
                "`app \(arguments.joined(separator: " "))` still running after \(timeout); log:\n\(log)")
        }
        return status
    }

    /// Kills the process if it is still running (test clean-up).
    func stop() async {
        guard isRunning else { return }
        signal(SIGKILL)
        _ = try? await waitForExit(timeout: .seconds(10))
    }

    /// Everything the process printed so far.
    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Runs `app ARGUMENTS` to the end and returns its exit status and output.
    static func run(
        _ arguments: [String], environment: [String: String], logDirectory: String, name: String,
        timeout: Duration = .seconds(60), stdinPath: String? = nil
    ) async throws -> (status: Int32, output: String) {
        let process = try AppProcess(
            arguments, environment: environment, logDirectory: logDirectory, name: name, stdinPath: stdinPath)
        let status = try await process.waitForExit(timeout: timeout)
        return (status, process.log)
    }
}

/// A failure in the test's own set-up or waiting, with what it saw.
struct SystemTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds, throwing (with `what`) after `timeout`.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else {
            throw SystemTestError("timed out after \(timeout) waiting for \(what)")
        }
        try await Task.sleep(for: interval)
    }
}
