import Foundation
import MemoriesTestSupport
import NIOCore
import NIOPosix
@testable import Redis

/// A private redis-server for one test (its own port and folder), which the test can stop, pause and restart.
/// Skipped (nil) when redis-server is not installed and MEMORIES_TEST_REDIS_URL is not set.
final class RedisServer: @unchecked Sendable {
    let port: Int
    let directory: URL
    /// The running server's process id. Spawned and reaped with POSIX calls, not Foundation's `Process`, whose
    /// `waitUntilExit` on Linux can spin forever on a child that has exited (it hung a full test run here).
    private var pid: pid_t?
    let password: String?

    static var binary: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var isAvailable: Bool { binary != nil }

    init(password: String? = nil) throws {
        port = try TestPorts.free()
        self.password = password
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    var url: RedisURL { RedisURL(host: "127.0.0.1", port: port, password: password) }

    func start() throws {
        var arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--dir", directory.path, "--daemonize", "no", "--loglevel", "warning"]
        if let password { arguments += ["--requirepass", password] }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([Self.binary!] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, Self.binary!, &actions, nil, argv, environ)
        guard result == 0 else {
            throw RedisError(.connectFailed, "cannot start redis-server: \(String(cString: strerror(result)))")
        }
        pid = child
        // Wait until it accepts connections (generously: the machine is loaded).
        for _ in 0..<300 {
            if (try? Self.canConnect(port: port)) == true { return }
            usleep(50_000)
        }
        throw RedisError(.connectFailed, "redis-server did not start on port \(port)")
    }

    func stop() {
        guard let pid else { return }
        // SIGKILL: the child inherits the test process's signal mask, where SIGTERM may be blocked. SIGCONT too, in
        // case the test paused it.
        kill(pid, SIGKILL)
        kill(pid, SIGCONT)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        self.pid = nil
    }

    func pause() { if let pid { kill(pid, SIGSTOP) } }
    func resume() { if let pid { kill(pid, SIGCONT) } }

    func tearDown() {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func canConnect(port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
