import Hummingbird
import Logging
import ServiceLifecycle

/// The composition root of the HTTP role: `app serve`, `app dev` and the tests all call this.
public func buildRouter(
    services: WebServices, configuration: WebConfiguration, renderer: PageRenderer
) -> Router<WebRequestContext> {
    buildRouter(services: services, configuration: configuration, renderer: renderer, shared: SharedHTTPServices(configuration))
}

/// What the router and the connections' fast path (``StaticFileChannelHandler``) share: one request-id sequence,
/// one set of metric handles, the static files read so far.
struct SharedHTTPServices: Sendable {
    let requestIDs = RequestIDGenerator()
    let metrics = HTTPMetricHandles()
    let securityHeaders: SecurityHeaders
    let staticFiles: StaticFiles?

    init(_ configuration: WebConfiguration) {
        securityHeaders = SecurityHeaders(mediaOrigins: configuration.mediaOrigins)
        staticFiles = configuration.serveStatic ? StaticFiles(directory: configuration.publicDirectory, urlBasePath: "/static") : nil
    }

    /// The fast path's services, when static files are served.
    func staticFileHandlerServices(serverName: String?) -> StaticFileChannelHandler.Services? {
        staticFiles.map {
            StaticFileChannelHandler.Services(
                files: $0, securityHeaders: securityHeaders, requestIDs: requestIDs, metrics: metrics, serverName: serverName)
        }
    }
}

func buildRouter(
    services: WebServices, configuration: WebConfiguration, renderer: PageRenderer, shared: SharedHTTPServices
) -> Router<WebRequestContext> {
    let router = Router(context: WebRequestContext.self)
    router.add(middleware: RequestIDMiddleware(generator: shared.requestIDs))
    router.add(middleware: HTTPMetricsMiddleware(handles: shared.metrics))
    router.add(middleware: SecurityHeadersMiddleware(shared.securityHeaders))
    router.add(middleware: ErrorMiddleware(renderer: renderer, logger: services.logger))
    router.add(middleware: MediaPathGuard())
    if let staticFiles = shared.staticFiles {
        router.add(middleware: StaticFileMiddleware(files: staticFiles))
        router.add(
            middleware: FileMiddleware(
                configuration.publicDirectory, urlBasePath: "/static",
                cacheControl: .init([(MediaType(type: .any), [.public, .maxAge(3600)])]), logger: services.logger))
    }
    if configuration.serveMedia, let mediaRoot = configuration.mediaRoot {
        // Media names are content hashes: a name never changes meaning, so caches may keep it forever.
        router.add(
            middleware: FileMiddleware(
                mediaRoot, urlBasePath: "/media",
                cacheControl: .init([(MediaType(type: .any), [.public, .maxAge(31_536_000), .immutable])]), logger: services.logger))
    }
    router.add(middleware: AuthMiddleware(accounts: services.accounts, configuration: configuration.auth, logger: services.logger))
    router.add(middleware: RateLimitMiddleware.uploads(cache: services.cache, configuration: configuration))
    router.add(middleware: GalleryInvalidationMiddleware(cache: services.cache))
    router.add(middleware: CSRFMiddleware())
    AuthController(
        services: services, configuration: configuration.auth, hasher: PasswordHasher(cost: configuration.auth.bcryptCost),
        renderer: renderer
    ).addRoutes(to: router)
    let photos = PhotoController(
        services: services, configuration: configuration, renderer: renderer,
        uploadLimiter: UploadLimiter(limit: configuration.maxConcurrentUploads))
    photos.addRoutes(to: router)
    AlbumController(services: services, configuration: configuration, renderer: renderer, photoController: photos)
        .addRoutes(to: router)
    HealthController(services: services, serveMetrics: configuration.serveMetrics).addRoutes(to: router)
    if let resumable = services.resumable {
        TusController(services: services, resumable: resumable, configuration: configuration).addRoutes(to: router)
    }
    return router
}

/// The HTTP application with any services (an in-process worker) that run alongside it.
public func buildApplication(
    services: WebServices, configuration: WebConfiguration, host: String, port: Int, extraServices: [any Service] = []
) async throws -> some ApplicationProtocol {
    let renderer = try await PageRenderer(directory: configuration.templatesDirectory)
    let shared = SharedHTTPServices(configuration)
    let router = buildRouter(services: services, configuration: configuration, renderer: renderer, shared: shared)
    let serverName = "Memories"
    return Application(
        router: router,
        server: .http1(
            configuration: HTTPLimits.channelConfiguration(
                configuration, staticFiles: shared.staticFileHandlerServices(serverName: serverName))),
        configuration: .init(address: .hostname(host, port: port), serverName: serverName),
        services: extraServices,
        logger: services.logger)
}
