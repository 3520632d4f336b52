import AsyncHTTPClient
import Database
import Foundation
import Jobs
import MemoriesTestSupport
import NIOCore
import PostgresNIO

/// A small deployment for one test: its own PostgreSQL database, media folder and port, and the `app` processes
/// it starts (all stopped at the end). The settings are the environment variables an operator would set.
final class Deployment: @unchecked Sendable {
    let database: PostgresTestDatabase
    let root: String
    let port: Int
    private(set) var environment: [String: String]
    private var processes: [AppProcess] = []
    private var started = 0
    /// The API token uploads and reads are signed with, made by `app users create` and `app tokens create`
    /// as an operator would (nil with `AUTH_REQUIRED=false`).
    private(set) var apiToken: String?

    private init(
        database: PostgresTestDatabase, databaseURL: String, root: String, port: Int, settings: [String: String]
    ) {
        self.database = database
        self.root = root
        self.port = port
        self.environment = [
            "DATABASE_URL": databaseURL, "MEDIA_ROOT": root + "/media", "PORT": String(port), "HOST": "127.0.0.1",
            "DATABASE_POOL_SIZE": "4",
        ].merging(settings) { $1 }
    }

    /// Runs `body` with a fresh database (on the server `MEMORIES_TEST_POSTGRES_URL` names, or on `databaseURL`)
    /// and folder; prints "skipped: …" and returns when no PostgreSQL is configured or the app binary is missing.
    static func with(
        settings: [String: String] = [:], _ body: @Sendable @escaping (Deployment) async throws -> Void
    ) async throws {
        guard AppProcess.binary != nil else {
            print("skipped: the app binary is not built beside the tests (swift build --build-tests)")
            return
        }
        try await PostgresTestDatabase.with(migrated: false) { database in
            let deployment = Deployment(
                database: database, databaseURL: database.url.unmaskedURL, root: try makeFolder(),
                port: try TestPorts.free(),
                settings: settings)
            try await deployment.run(body)
        }
    }

    /// Like `with`, against a PostgreSQL server the test owns (to stop and start it): `url` names its database,
    /// `database` is a pool on it for the test's own queries.
    static func with(
        server url: PostgresURL, settings: [String: String] = [:],
        _ body: @Sendable @escaping (Deployment) async throws -> Void
    ) async throws {
        let pool = try Database.PostgresDatabase(url: url, poolSize: 2, logger: PostgresTestDatabase.makeLogger())
        let photos = SQLPhotoRepository(database: pool)
        let database = PostgresTestDatabase(
            url: url, database: pool, photos: photos, queue: SQLJobQueue(database: pool, photos: photos),
            logger: PostgresTestDatabase.makeLogger())
        try await pool.withRunning {
            let deployment = Deployment(
                database: database, databaseURL: url.unmaskedURL, root: try makeFolder(), port: try TestPorts.free(),
                settings: settings)
            try await deployment.run(body)
        }
    }

    private func run(_ body: @Sendable (Deployment) async throws -> Void) async throws {
        do {
            try await body(self)
        } catch {
            await stopAll()
            // The processes' logs explain most failures.
            for process in processes {
                print("--- app \(process.arguments.joined(separator: " ")):\n\(process.log.suffix(4000))")
            }
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
        await stopAll()
        try? FileManager.default.removeItem(atPath: root)
    }

    private func stopAll() async {
        for process in processes { await process.stop() }
    }

    /// `app migrate`, which must succeed.
    func migrate() async throws {
        let (status, output) = try await runCommand(["migrate"])
        guard status == 0 else { throw SystemTestError("app migrate failed (\(status)):\n\(output)") }
    }

    /// Runs a one-shot `app` command with this deployment's settings; `input` becomes its standard input.
    func runCommand(
        _ arguments: [String], settings: [String: String] = [:], input: String? = nil
    ) async throws -> (status: Int32, output: String) {
        started += 1
        var stdinPath: String?
        if let input {
            stdinPath = root + "/stdin-\(started)"
            try Data(input.utf8).write(to: URL(fileURLWithPath: stdinPath!))
        }
        return try await AppProcess.run(
            arguments, environment: environment.merging(settings) { $1 }, logDirectory: root,
            name: "\(arguments.first ?? "app")-\(started)", stdinPath: stdinPath)
    }

    /// Creates the user `operator` and an API token for it with the `app` commands, once; later uploads and reads
    /// send the token. Needs a migrated database.
    func signIn() async throws {
        guard apiToken == nil, environment["AUTH_REQUIRED"] != "false" else { return }
        let settings = ["BCRYPT_COST": "4"]
        let (created, log) = try await runCommand(
            ["users", "create", "operator"], settings: settings, input: "operator password\n")
        guard created == 0 else { throw SystemTestError("app users create failed (\(created)):\n\(log)") }
        let (status, output) = try await runCommand(
            ["tokens", "create", "operator", "--name", "system-tests"], settings: settings)
        guard status == 0, let token = output.split(separator: "\n").first(where: { $0.hasPrefix("mem_") }) else {
            throw SystemTestError("app tokens create failed (\(status)):\n\(output)")
        }
        apiToken = String(token)
    }

    /// Starts a long-running role (`serve`, `worker`) with this deployment's settings plus `settings`.
    func start(_ role: String, settings: [String: String] = [:]) throws -> AppProcess {
        started += 1
        let process = try AppProcess(
            [role], environment: environment.merging(settings) { $1 }, logDirectory: root, name: "\(role)-\(started)")
        processes.append(process)
        return process
    }

    /// Starts `app serve` and waits until it answers `/healthz`.
    @discardableResult
    func serve(settings: [String: String] = [:]) async throws -> AppProcess {
        if settings["AUTH_REQUIRED"] != "false" { try await signIn() }
        let server = try start("serve", settings: settings)
        try await waitUntil("app serve to answer /healthz", timeout: .seconds(30)) {
            guard server.isRunning else { throw SystemTestError("app serve exited:\n\(server.log)") }
            return (try? await get("/healthz").status) == 200
        }
        return server
    }

    /// GETs a path on the server; returns the status and body.
    func get(_ path: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Accept", value: "application/json")
        if let apiToken { request.headers.add(name: "Authorization", value: "Bearer \(apiToken)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), String(buffer: body))
    }

    /// POSTs one file to `/photos` as the page's script does; returns the status and the photo ids answered.
    func upload(_ bytes: [UInt8], name: String) async throws -> (status: Int, ids: [Int64]) {
        let body = MultipartBody.files([(name, bytes)])
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/photos")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: body.contentType)
        request.headers.add(name: "Accept", value: "application/json")
        if let apiToken { request.headers.add(name: "Authorization", value: "Bearer \(apiToken)") }
        request.body = .bytes(body.buffer)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let answer = try await response.body.collect(upTo: 1 << 22)
        let json = try? JSONSerialization.jsonObject(with: Data(buffer: answer)) as? [String: Any]
        let ids = (json?["photos"] as? [[String: Any]])?.compactMap { ($0["id"] as? NSNumber)?.int64Value } ?? []
        return (Int(response.status.code), ids)
    }

    /// Counts rows in this deployment's database.
    func count(_ table: String, where condition: String = "true") async throws -> Int {
        try await database.count(table, where: condition)
    }

    /// The ids a query selects (first column, bigint).
    func ids(_ sql: String) async throws -> [Int64] {
        try await database.database.query(PostgresQuery(unsafeSQL: sql)).map { try $0.decode(Int64.self) }
    }

    private static func makeFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("memories-system-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
