import Cache
import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Database
import Jobs
import MemoriesTestSupport
import NIOCore
import Prometheus
import Storage
import Web

/// Builds the real application over a fresh workspace and runs `body` against its router (`.live`: against the
/// server itself, over a socket).
func withTestApp(
    maxUploadBytes: Int = 50_000_000, maxPixels: Int = 100_000_000, pageSize: Int = 60,
    store customStore: (any MediaStore)? = nil, auth: AuthConfiguration = AuthConfiguration(bcryptCost: 4),
    cache: any Cache = MemoryCache(), galleryCacheTTL: Duration = .seconds(2),
    uploadRatePerMinute: Int = 0, trustedProxies: TrustedProxies = .none, setup: TestingSetup = .router,
    _ body: @escaping @Sendable (TestWorkspace, any TestClientProtocol) async throws -> Void
) async throws {
    let workspace = try await TestWorkspace.make(store: customStore)
    do {
        let store = workspace.mediaStore
        let photos = workspace.photos
        let services = WebServices(
            database: workspace.database, photos: photos, queue: workspace.queue,
            albums: SQLAlbumRepository(database: workspace.database),
            accounts: SQLAccountRepository(database: workspace.database), store: store, wake: WakeSignal(),
            metrics: TestMetrics.registry,
            readiness: {
                try await photos.checkHealth()
                try await store.checkHealth()
            },
            logger: workspace.logger, cache: cache, galleryCacheTTL: galleryCacheTTL)
        var configuration = WebConfiguration(
            maxUploadBytes: maxUploadBytes, maxPixels: maxPixels,
            publicDirectory: TestWorkspace.repositoryRoot + "/Public",
            templatesDirectory: TestWorkspace.repositoryRoot + "/Templates", mediaRoot: customStore == nil ? workspace.store.root : nil,
            pageSize: pageSize, auth: auth, uploadRatePerMinute: uploadRatePerMinute, trustedProxies: trustedProxies)
        // An hour: a loaded machine must not see the window end halfway through a rate-limit test.
        configuration.uploadRateWindow = .seconds(3600)
        let app = try await buildApplication(services: services, configuration: configuration, host: "127.0.0.1", port: 0)
        try await app.test(setup) { client in try await body(workspace, client) }
    } catch {
        await workspace.tearDown()
        throw error
    }
    await workspace.tearDown()
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
