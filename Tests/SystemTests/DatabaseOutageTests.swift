import Database
import Foundation
import MemoriesTestSupport
import Testing

/// A PostgreSQL server of the test's own (`scripts/services/postgres.sh` in a private folder), so it can be stopped
/// and started without disturbing the other tests.
final class PrivatePostgres: @unchecked Sendable {
    let folder: String
    let url: PostgresURL

    private init(folder: String, url: PostgresURL) {
        self.folder = folder
        self.url = url
    }

    /// Starts one; nil (after saying so) when the PostgreSQL binaries are missing.
    static func start() async throws -> PrivatePostgres? {
        let folder = "/tmp/memories-outage-\(UUID().uuidString.prefix(8))"
        let (status, output) = try await script(["start"], folder: folder)
        guard status == 0 else {
            if output.contains("binaries not found") {
                print("skipped: \(output)")
                return nil
            }
            throw SystemTestError("postgres.sh start failed:\n\(output)")
        }
        guard let line = output.split(separator: "\n").first(where: { $0.contains("MEMORIES_TEST_POSTGRES_URL=") }),
            let value = line.split(separator: "=", maxSplits: 1).last
        else { throw SystemTestError("postgres.sh printed no URL:\n\(output)") }
        return PrivatePostgres(folder: folder, url: try PostgresURL(parsing: String(value)))
    }

    func pause() async throws { try await run("pause") }
    func resume() async throws { try await run("resume") }

    func stop() async {
        _ = try? await Self.script(["stop"], folder: folder)
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func run(_ command: String) async throws {
        let (status, output) = try await Self.script([command], folder: folder)
        guard status == 0 else { throw SystemTestError("postgres.sh \(command) failed:\n\(output)") }
    }

    /// Runs the service script with its state in `folder`; returns the exit status and everything it printed.
    private static func script(_ arguments: [String], folder: String) async throws -> (Int32, String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("postgres-sh-\(UUID().uuidString).log")
            .path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try ChildProcess(
            executable: TestWorkspace.repositoryRoot + "/scripts/services/postgres.sh", arguments: arguments,
            environment: ProcessInfo.processInfo.environment.merging(["MEMORIES_SERVICES_DIR": folder]) { $1 },
            logPath: log)
        guard let status = try await child.waitForExit(timeout: .seconds(120)) else {
            throw SystemTestError("postgres.sh \(arguments.joined(separator: " ")) did not finish")
        }
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }
}

/// What the uploader saw, in order.
private actor UploadLog {
    var acknowledged: [Int64] = []
    var statuses: [Int] = []
    var failures: [String] = []

    func record(status: Int, ids: [Int64]) {
        statuses.append(status)
        if (200..<300).contains(status) { acknowledged += ids }
    }

    func record(failure: String) { failures.append(failure) }

    /// Whether the last `count` uploads were all acknowledged.
    func lastAcknowledged(_ count: Int) -> Bool {
        statuses.count >= count && statuses.suffix(count).allSatisfy { (200..<300).contains($0) }
    }
}

@Suite("Database outage")
struct DatabaseOutageTests {
    @Test(
        "a database restart under load: 503 while it is down, recovery by itself, every acknowledged upload processed")
    func restartUnderLoad() async throws {
        guard ProcessInfo.processInfo.environment["MEMORIES_TEST_POSTGRES_URL"] != nil else {
            print("skipped: MEMORIES_TEST_POSTGRES_URL not set (no PostgreSQL for the tests)")
            return
        }
        guard let server = try await PrivatePostgres.start() else { return }
        do {
            try await Self.exercise(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func exercise(_ server: PrivatePostgres) async throws {
        try await Deployment.with(server: server.url, settings: ["JOB_LEASE_SECONDS": "5"]) { deployment in
            try await deployment.migrate()
            let app = try await deployment.serve()
            let worker = try deployment.start("worker")
            let log = UploadLog()
            let uploading = Task {
                var index = 0
                while !Task.isCancelled {
                    index += 1
                    let bytes = try TestImages.uniqueJPEG(width: 480, height: 360, tag: "outage-\(index)")
                    do {
                        let (status, ids) = try await deployment.upload(bytes, name: "\(index).jpg")
                        await log.record(status: status, ids: ids)
                    } catch is CancellationError {
                        return  // the test stopped the uploader mid-request
                    } catch {
                        if Task.isCancelled { return }
                        await log.record(failure: "\(error)")
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            try await waitUntil("a few uploads before the outage") { await log.acknowledged.count >= 5 }
            try await server.pause()
            try await waitUntil("an upload refused with 503 during the outage", timeout: .seconds(60)) {
                await log.statuses.contains(503)
            }
            let readiness = try await deployment.get("/readyz")
            #expect(readiness.status == 503, "readyz during the outage: \(readiness.body)")
            try await server.resume()
            try await waitUntil("uploads acknowledged again after the restart", timeout: .seconds(120)) {
                await log.lastAcknowledged(3)
            }
            uploading.cancel()
            _ = await uploading.result
            let statuses = await log.statuses
            #expect(statuses.allSatisfy { (200..<300).contains($0) || $0 == 503 }, "only 2xx or 503: \(statuses)")
            let failures = await log.failures
            #expect(failures.isEmpty, "the server kept answering: \(failures)")
            let acknowledged = await log.acknowledged
            let list = acknowledged.map(String.init).joined(separator: ",")
            try await waitUntil("every acknowledged photo ready", timeout: .seconds(180)) {
                try await deployment.count("photos", where: "id IN (\(list)) AND status = 'ready'")
                    == acknowledged.count
            }
            #expect(app.isRunning && worker.isRunning, "neither process died")
            #expect(try await deployment.get("/readyz").status == 200)
        }
    }
}
