import Cache
import Composition
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MemoriesTestSupport
import Metrics
import NIOCore
import Prometheus
import Storage
import Web

/// Builds the application through the web role's composition root (as `app serve` does) over a fresh workspace,
/// and runs `body` against its router (`.live`: against the server itself, over a socket).
func withTestApp(
    maxUploadBytes: Int = 50_000_000, maxPixels: Int = 100_000_000, pageSize: Int = 60,
    store customStore: (any MediaStore)? = nil, auth: AuthConfiguration = AuthConfiguration(bcryptCost: 4),
    cache: (any Cache)? = nil, galleryCacheSeconds: Int? = nil,
    uploadRatePerMinute: Int = 0, trustedProxies: TrustedProxies = .none, setup: TestingSetup = .router,
    database: DatabaseKind = .sqlite, sharing: SharingConfiguration = SharingConfiguration(),
    _ body: @escaping @Sendable (TestWorkspace, any TestClientProtocol) async throws -> Void
) async throws {
    try await withWorkspace(store: customStore) { workspace in
        var configuration = try Configuration.test(root: workspace.root, auth: auth)
        configuration.maxUploadBytes = maxUploadBytes
        configuration.maxPixels = maxPixels
        configuration.uploadRatePerMinute = uploadRatePerMinute
        configuration.trustedProxies = trustedProxies
        configuration.galleryCacheSeconds = galleryCacheSeconds
        configuration.sharing = sharing
        // An hour: a loaded machine must not see the window end halfway through a rate-limit test.
        let overrides = Overrides(
            store: customStore, cache: cache, pageSize: pageSize, uploadRateWindow: .seconds(3600))
        try await database.with(configuration, workspace: workspace) { configuration, _ in
            try await withWebApp(configuration, logger: workspace.logger, overrides: overrides, setup: setup) {
                _, client in try await body(workspace, client)
            }
        }
    }
}

/// Builds the web role from `configuration` through the composition root, as `app serve` does, and runs `body`
/// against it with the runtime behind it.
func withWebApp(
    _ configuration: Configuration, logger: Logger, overrides: Overrides = Overrides(), setup: TestingSetup = .router,
    _ body: @escaping @Sendable (Runtime, any TestClientProtocol) async throws -> Void
) async throws {
    try await Runtime.with(configuration, migrate: false, logger: logger, overrides: overrides) { runtime in
        let app = try await runtime.webApplication(metrics: TestMetrics.registry)
        try await app.test(setup) { client in try await body(runtime, client) }
    }
}

/// Runs `body` with a fresh workspace, torn down afterwards, also when `body` throws.
func withWorkspace(store: (any MediaStore)? = nil, _ body: (TestWorkspace) async throws -> Void) async throws {
    let workspace = try await TestWorkspace.make(store: store)
    do {
        try await body(workspace)
    } catch {
        await workspace.tearDown()
        throw error
    }
    await workspace.tearDown()
}

extension Configuration {
    /// The configuration the web tests run with: the workspace's SQLite file and media folder under `root`, this
    /// checkout's templates and static files, and `auth` (cheap bcrypt by default); the rest is the defaults.
    static func test(root: String, auth: AuthConfiguration = AuthConfiguration(bcryptCost: 4)) throws -> Configuration {
        var configuration = try Configuration(
            settings: AllOptions.parse([]).settings,
            environment: [
                "DATABASE_URL": "sqlite:" + root + "/data/memories.sqlite3", "MEDIA_ROOT": root + "/media",
                "RESOURCES_DIR": TestWorkspace.repositoryRoot,
            ])
        configuration.authRequired = auth.required
        configuration.galleryPublic = auth.galleryPublic
        configuration.bcryptCost = auth.bcryptCost
        return configuration
    }
}

/// The databases the account and tus tests run on: the workspace's SQLite file, or a fresh PostgreSQL database
/// (skipped, after saying so, when no test server is configured).
enum DatabaseKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres
    var description: String { rawValue }

    /// Runs `body` with `configuration` pointed at this database and a way to reach the database behind the app.
    func with(
        _ configuration: Configuration, workspace: TestWorkspace,
        _ body: @Sendable (Configuration, TestSQL) async throws -> Void
    ) async throws {
        switch self {
        case .sqlite:
            let sqlite = workspace.database
            try await body(
                configuration,
                TestSQL(
                    execute: { text in _ = try await sqlite.write { connection in try await connection.query(text) } },
                    count: { table in try await workspace.count(table) }))
        case .postgres:
            try await PostgresTestDatabase.with { test in
                var configuration = configuration
                configuration.database = .postgres(url: test.url.unmaskedURL)
                configuration.databaseCAFile = PostgresTestDatabase.caFile
                try await body(
                    configuration,
                    TestSQL(
                        execute: { text in try await test.execute(text) },
                        count: { table in try await test.count(table) }))
            }
        }
    }
}

/// SQL on the test's database behind the app's back: moving time, counting rows.
struct TestSQL: Sendable {
    let execute: @Sendable (String) async throws -> Void
    let count: @Sendable (String) async throws -> Int
}

/// A multipart/form-data body, as browsers and curl send it.
extension TestClientProtocol {
    /// POSTs `body` to `/photos` with the given Accept header and hands back the response.
    func upload(_ body: MultipartBody, accept: String = "application/json") async throws -> TestResponse {
        try await execute(
            uri: "/photos", method: .post,
            headers: [.contentType: body.contentType, .accept: accept], body: body.buffer)
    }

    /// GETs `uri` asking for JSON and decodes it.
    func getJSON(_ uri: String) async throws -> (TestResponse, [String: Any]) {
        let response = try await execute(uri: uri, method: .get, headers: [.accept: "application/json"])
        return (response, response.json)
    }
}

extension TestResponse {
    /// The body parsed as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    var text: String { String(buffer: body) }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = Data(buffer.readableBytesView)
    }
}

/// The process-wide metrics backend for the web tests: swift-metrics is bootstrapped once per process, as `App` does.
enum TestMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
