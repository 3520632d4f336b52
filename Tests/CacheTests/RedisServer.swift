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
    let password: String?
    /// The running server (a `ChildProcess`: spawned and reaped with POSIX calls, never Foundation's `Process`).
    private var child: ChildProcess?

    static var binary: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    static var isAvailable: Bool { binary != nil }

    private init(password: String?) throws {
        port = try TestPorts.free()
        self.password = password
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("redis-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Starts a server on a free port and returns once it accepts connections.
    static func start(password: String? = nil) async throws -> RedisServer {
        let server = try RedisServer(password: password)
        try await server.start()
        return server
    }

    var url: RedisURL { RedisURL(host: "127.0.0.1", port: port, password: password) }

    /// Starts (or restarts) the server and waits, with `Task.sleep` (never by blocking a thread of the cooperative
    /// pool), until it accepts connections.
    func start() async throws {
        var arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--daemonize", "no", "--loglevel", "warning",
        ]
        if let password { arguments += ["--requirepass", password] }
        child = try ChildProcess(
            executable: Self.binary!, arguments: arguments, environment: ProcessInfo.processInfo.environment,
            logPath: directory.appendingPathComponent("redis.log").path)
        // Generously: the machine is loaded.
        for _ in 0..<300 {
            if Self.canConnect(port: port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RedisError(.connectFailed, "redis-server did not start on port \(port)")
    }

    func stop() async {
        await child?.kill()
        child = nil
    }

    func pause() { child?.signal(SIGSTOP) }
    func resume() { child?.signal(SIGCONT) }

    /// Test clean-up, from a `defer`.
    func tearDown() {
        child?.killNow()
        child = nil
        try? FileManager.default.removeItem(at: directory)
    }

    private static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
