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
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("app").path)
        candidates.append(TestWorkspace.repositoryRoot + "/.build/debug/app")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Starts `app ARGUMENTS` with `environment` added to a minimal one (PATH, HOME, RESOURCES_DIR, LOG_LEVEL=info).
    /// Standard input is the file `stdinPath`, or /dev/null (never the test runner's terminal).
    init(_ arguments: [String], environment: [String: String], logDirectory: String, name: String, stdinPath: String? = nil) throws {
        guard let binary = Self.binary else {
            throw SystemTestError("the app binary was not built beside the tests: run `swift build --build-tests` first")
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
        kill(child.pid, signal)
    }

    /// Waits for the process to end and returns its exit status; throws if it is still running after `timeout`.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        guard let status = try await child.waitForExit(timeout: timeout) else {
            throw SystemTestError("`app \(arguments.joined(separator: " "))` still running after \(timeout); log:\n\(log)")
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

/// A child process spawned and reaped with POSIX calls, its output appended to a file. Foundation's `Process` is
/// not used: on Linux it sometimes reported a process that had exited as still running (and its `waitUntilExit`
/// spins), which makes a test of exits and signals unreliable.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    init(
        executable: String, arguments: [String], environment: [String: String], logPath: String,
        stdinPath: String = "/dev/null"
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw SystemTestError("cannot start \(executable): \(String(cString: strerror(result)))") }
        self.pid = pid
    }

    /// Reaps the child if it has ended; returns its exit status (128 + the signal when killed by one).
    private func poll() -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
        // WIFEXITED / WEXITSTATUS / WTERMSIG by hand: the C macros are not imported into Swift.
        status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return status
    }

    var isRunning: Bool { poll() == nil }

    /// The exit status, or nil if the child is still running after `timeout`.
    func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = poll() { return status }
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
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
        guard ContinuousClock.now < deadline else { throw SystemTestError("timed out after \(timeout) waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}
