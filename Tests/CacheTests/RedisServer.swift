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
    private var process: Process?
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary!)
        var arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                         "--dir", directory.path, "--daemonize", "no", "--loglevel", "warning"]
        if let password { arguments += ["--requirepass", password] }
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        // Wait until it accepts connections (generously: the machine is loaded).
        for _ in 0..<300 {
            if (try? Self.canConnect(port: port)) == true { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw RedisError(.connectFailed, "redis-server did not start on port \(port)")
    }

    func stop() {
        guard let process, process.isRunning else { return }
        // SIGKILL: the child inherits the test process's signal mask, where SIGTERM may be blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func pause() { if let process { kill(process.processIdentifier, SIGSTOP) } }
    func resume() { if let process { kill(process.processIdentifier, SIGCONT) } }

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
