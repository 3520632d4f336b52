import Cache
import Database
import Hummingbird
import Ingest
import Jobs
import Logging
import ServiceLifecycle
import Storage

/// What the router and the connections' fast path (``StaticFileChannelHandler``) share: one request-id sequence,
/// one set of metric handles, the static files read so far.
struct SharedHTTPServices: Sendable {
    let requestIDs = RequestIDGenerator()
    let metrics = HTTPMetricHandles()
    let securityHeaders: SecurityHeaders
    let staticFiles: StaticFiles?

    init(_ configuration: WebConfiguration) {
        securityHeaders = SecurityHeaders(mediaOrigins: configuration.mediaOrigins)
        staticFiles =
            configuration.serveStatic
            ? StaticFiles(directory: configuration.publicDirectory, urlBasePath: "/static") : nil
    }

    /// The fast path's services, when static files are served.
    func staticFileHandlerServices(serverName: String?) -> StaticFileChannelHandler.Services? {
        staticFiles.map {
            StaticFileChannelHandler.Services(
                files: $0, securityHeaders: securityHeaders, requestIDs: requestIDs, metrics: metrics,
                serverName: serverName)
        }
    }
}

/// The HTTP application over these parts, with any services (an in-process worker) that run alongside it.
/// Composition's web role is its caller, for `app serve`, `app dev` and the tests alike.
public func buildApplication(
    database: any SQLDatabase, photos: any PhotoRepository, queue: any JobQueue, albums: any AlbumRepository,
    accounts: any AccountRepository, shareLinks: any ShareLinkRepository, store: any MediaStore,
    resumable: ResumableUploads?, cache: any Cache, galleryCacheTTL: Duration, wake: WakeSignal,
    readiness: @escaping @Sendable () async throws -> Void, metrics: MetricsEndpoint, configuration: WebConfiguration,
    host: String, port: Int, extraServices: [any Service] = [], logger: Logger
) async throws -> some ApplicationProtocol {
    let renderer = try await PageRenderer(directory: configuration.templatesDirectory)
    let shared = SharedHTTPServices(configuration)
    let ingest = PhotoIngest(
        database: database, photos: photos, queue: queue, wake: wake, maxJobAttempts: configuration.maxJobAttempts,
        logger: logger)
    // Middleware in the order a request meets it, then every controller's routes.
    let router = Router(context: WebRequestContext.self)
    // First, so every line a request logs (through the error middleware's too) carries its trace id.
    if configuration.tracing { router.add(middleware: TracingMiddleware()) }
    router.add(middleware: RequestIDMiddleware(generator: shared.requestIDs))
    router.add(middleware: HTTPMetricsMiddleware(handles: shared.metrics))
    router.add(middleware: SecurityHeadersMiddleware(headers: shared.securityHeaders))
    router.add(middleware: ErrorMiddleware(renderer: renderer, logger: logger))
    let apiDocs = APIDocsController<WebRequestContext>(publicDirectory: configuration.publicDirectory)
    router.add(middleware: MethodNotAllowedMiddleware(routes: DocumentedRoutes(document: apiDocs.document)))
    router.add(middleware: MediaPathGuard())
    if let staticFiles = shared.staticFiles {
        router.add(middleware: StaticFileMiddleware(files: staticFiles))
        router.add(
            middleware: FileMiddleware(
                configuration.publicDirectory, urlBasePath: "/static",
                cacheControl: .init([(MediaType(type: .any), [.public, .maxAge(3600)])]), logger: logger))
    }
    if configuration.serveMedia, let mediaRoot = configuration.mediaRoot {
        // Media names are content hashes: a name never changes meaning, so caches may keep it forever.
        router.add(
            middleware: FileMiddleware(
                mediaRoot, urlBasePath: "/media",
                cacheControl: .init([(MediaType(type: .any), [.public, .maxAge(31_536_000), .immutable])]),
                logger: logger))
    }
    router.add(middleware: AuthMiddleware(accounts: accounts, configuration: configuration.auth, logger: logger))
    router.add(middleware: RateLimitMiddleware.uploads(cache: cache, configuration: configuration))
    router.add(middleware: GalleryInvalidationMiddleware(cache: cache))
    router.add(middleware: CSRFMiddleware())
    let hasher = PasswordHasher(cost: configuration.auth.bcryptCost)
    AuthController(
        accounts: accounts, logger: logger, configuration: configuration.auth, hasher: hasher, renderer: renderer
    ).addRoutes(to: router)
    AccountController(accounts: accounts, renderer: renderer).addRoutes(to: router)
    InviteController(accounts: accounts, hasher: hasher, configuration: configuration.auth, renderer: renderer)
        .addRoutes(to: router)
    SettingsController(accounts: accounts, hasher: hasher, renderer: renderer).addRoutes(to: router)
    let purge = MediaPurge(photos: photos, store: store, logger: logger)
    let photoController = PhotoController(
        photos: photos, albums: albums, store: store, ingest: ingest,
        gallery: GalleryCache(cache: cache, ttl: galleryCacheTTL), tusThreshold: resumable?.browserThreshold,
        configuration: configuration, renderer: renderer, purge: purge,
        uploadLimiter: UploadLimiter(limit: configuration.maxConcurrentUploads))
    // Before the photo routes: `/photos/bulk` is not a photo id.
    BulkController(photos: photos, albums: albums, purge: purge, configuration: configuration).addRoutes(to: router)
    photoController.addRoutes(to: router)
    TrashController(photos: photos, store: store, purge: purge, configuration: configuration, renderer: renderer)
        .addRoutes(to: router)
    AlbumController(
        albums: albums, photos: photos, store: store, logger: logger, configuration: configuration, renderer: renderer,
        photoController: photoController
    ).addRoutes(to: router)
    let tus = resumable.map {
        TusController(
            albums: albums, store: store, ingest: ingest, logger: logger, resumable: $0, configuration: configuration)
    }
    tus?.addRoutes(to: router)
    LinkController(
        shareLinks: shareLinks, albums: albums, photos: photos, store: store, hasher: hasher,
        configuration: configuration, renderer: renderer
    ).addRoutes(to: router)
    ShareController(
        shareLinks: shareLinks, albums: albums, photos: photos, store: store, photoController: photoController,
        tus: tus, hasher: hasher, passwordAttempts: ShareLinkPasswordLimits(cache: cache), configuration: configuration,
        renderer: renderer, logger: logger
    ).addRoutes(to: router)
    apiDocs.addRoutes(to: router)
    HealthController(readiness: readiness, metrics: metrics, serveMetrics: configuration.serveMetrics)
        .addRoutes(to: router)
    let serverName = "Memories"
    return Application(
        router: router,
        server: .http1(
            configuration: HTTPLimits.channelConfiguration(
                configuration, staticFiles: shared.staticFileHandlerServices(serverName: serverName))),
        configuration: .init(address: .hostname(host, port: port), serverName: serverName),
        services: extraServices,
        logger: logger)
}
