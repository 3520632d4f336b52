import Foundation

/// A child process spawned and reaped with POSIX calls, its output appended to a file. Foundation's `Process` is
/// not used: on Linux it sometimes reported a process that had exited as still running (and its `waitUntilExit`
/// spins), which makes a test of exits and signals unreliable.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    public init(
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
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else {
            throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
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

    public var isRunning: Bool { poll() == nil }

    /// Sends `signal` unless the child has already been reaped (its pid could belong to another process by then).
    public func signal(_ signal: Int32) {
        guard isRunning else { return }
        Glibc.kill(pid, signal)
    }

    /// SIGKILL (and SIGCONT, in case it was stopped), then waits for the child to end. The child inherits the test
    /// process's signal mask, where SIGTERM may be blocked, so nothing gentler is sure to work.
    public func kill() async {
        signal(SIGKILL)
        signal(SIGCONT)
        _ = try? await waitForExit(timeout: .seconds(30))
    }

    /// The same as `kill()` for a synchronous clean-up (a `defer`): a SIGKILLed child is gone within a moment, so the
    /// blocking wait is short.
    public func killNow() {
        signal(SIGKILL)
        signal(SIGCONT)
        lock.lock()
        defer { lock.unlock() }
        guard status == nil else { return }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        status = 128 + SIGKILL
    }

    /// The exit status, or nil if the child is still running after `timeout`.
    public func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = poll() { return status }
            guard ContinuousClock.now < deadline else { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
