import AsyncHTTPClient
import Cache
import Database
import Foundation
import Hummingbird
import Imaging
import Jobs
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Storage
import Web

/// The parts one process runs with, built from the configuration: the composition root of every role, used by the
/// commands and, with a few ``Overrides``, by the tests.
package struct Runtime: Sendable {
    package let configuration: Configuration
    package let database: DatabaseBackend
    package let photos: any PhotoRepository
    package let queue: any JobQueue
    /// The SQS transport with `QUEUE=sqs` (then also `queue`); nil with the database queue.
    package let sqs: SQSJobQueue?
    package let store: any MediaStore
    /// The cache named by `CACHE_URL`: shared by the web side and the worker of this process, and across processes
    /// with Redis.
    package let cache: any Cache
    package let logger: Logger
    /// What a test put in place of configured parts.
    package let overrides: Overrides

    /// Opens the database and the store, runs `body` with them, then closes both. With `migrate`, applies pending
    /// migrations first; otherwise refuses a schema that is behind, naming `app migrate`.
    package static func with<T>(
        _ configuration: Configuration, migrate: Bool, logger: Logger, overrides: Overrides = Overrides(),
        _ body: (Runtime) async throws -> T
    ) async throws -> T {
        let database = try await DatabaseBackend.open(configuration, logger: logger)
        return try await database.run {
            if migrate {
                let applied = try await database.migrate()
                if !applied.isEmpty {
                    logger.info("migrations applied", metadata: ["migrations": "\(applied.joined(separator: ", "))"])
                }
            } else {
                try await database.requireCurrent()
            }
            let (store, httpClient) = try overrides.store.map { ($0, nil) } ?? openStore(configuration, logger: logger)
            let cache = try overrides.cache ?? configuration.cache.open(logger: logger)
            let (sqs, sqsClient) = openQueue(configuration, database: database, logger: logger)
            let runtime = Runtime(
                configuration: configuration, database: database, photos: database.photos,
                queue: sqs ?? database.queue, sqs: sqs, store: store, cache: cache, logger: logger,
                overrides: overrides)
            do {
                let result = try await body(runtime)
                try? await httpClient?.shutdown()
                try? await sqsClient?.shutdown()
                return result
            } catch {
                try? await httpClient?.shutdown()
                try? await sqsClient?.shutdown()
                throw error
            }
        }
    }

    /// The SQS transport and its HTTP client with `QUEUE=sqs`; nothing with the database queue. Connects lazily:
    /// a server starts (and takes uploads into the outbox) while SQS is down.
    package static func openQueue(
        _ configuration: Configuration, database: DatabaseBackend, logger: Logger
    ) -> (SQSJobQueue?, HTTPClient?) {
        guard case .sqs(let settings) = configuration.queue else { return (nil, nil) }
        var clientConfiguration = HTTPClient.Configuration(timeout: .init(connect: .seconds(3)))
        clientConfiguration.decompression = .disabled
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        let queue = SQSJobQueue(
            database: database.sql, photos: database.photos,
            client: SQSClient(configuration: settings, httpClient: client, logger: logger), logger: logger)
        return (queue, client)
    }

    /// Runs `body` with the configured queue over `database` (for one-shot commands such as `app jobs`), then closes
    /// the SQS client if there is one.
    package static func withQueue<T>(
        _ configuration: Configuration, database: DatabaseBackend, logger: Logger,
        _ body: (any JobQueue) async throws -> T
    ) async throws -> T {
        let (sqs, client) = openQueue(configuration, database: database, logger: logger)
        do {
            let result = try await body(sqs ?? database.queue)
            try? await client?.shutdown()
            return result
        } catch {
            try? await client?.shutdown()
            throw error
        }
    }

    /// With `QUEUE=sqs`, what `app serve` (and `app dev`) runs beside the web server: the `LISTEN` connection
    /// (PostgreSQL), so any server's commit wakes the relay, and the outbox relay. Nothing with the database queue.
    package func relayServices(wake: WakeSignal) -> [any Service] {
        guard let sqs else { return [] }
        var services: [any Service] = []
        if let listener = database.jobListener(wake: wake) { services.append(listener) }
        services.append(OutboxRelay(queue: sqs, wake: wake, logger: logger))
        return services
    }

    /// Opens the media store named by `STORAGE`; for S3 also the HTTP client it talks through.
    package static func openStore(_ configuration: Configuration, logger: Logger) throws -> (
        any MediaStore, HTTPClient?
    ) {
        switch configuration.storage {
        case .local:
            let store = try LocalStore(root: configuration.mediaRoot, baseURL: configuration.mediaURL)
            let removed = try store.removeStaleTemporaryFiles()
            if removed > 0 { logger.info("removed stale upload files", metadata: ["count": "\(removed)"]) }
            return (store, nil)
        case .s3(let s3):
            // A short connect timeout keeps /readyz and uploads answering promptly when the store is down.
            var clientConfiguration = HTTPClient.Configuration(timeout: .init(connect: .seconds(3), read: .seconds(60)))
            clientConfiguration.decompression = .disabled
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            do {
                return (try S3Store(configuration: s3, httpClient: client, logger: logger), client)
            } catch {
                try? client.syncShutdown()
                throw error
            }
        }
    }

    /// How long a rendered gallery grid is kept. Redis, or memory with the worker in this process (`app dev`): every
    /// change bumps the generation the grids are keyed by, so they can live long (within the presigned URLs' life).
    /// Memory with a separate worker or other servers: their changes cannot reach this process's cache, so a grid
    /// is at most 2 seconds stale.
    package func galleryCacheTTL(inProcessWorker: Bool) -> Duration {
        if let seconds = configuration.galleryCacheSeconds { return .seconds(seconds) }
        guard cache.isShared || inProcessWorker else { return .seconds(2) }
        if case .s3(let s3) = configuration.storage, s3.publicBaseURL == nil {
            return .seconds(max(min(300, s3.presignLifetime / 4), 1))
        }
        return .seconds(300)
    }

    /// The web role: the HTTP application over this runtime's database, store and cache, with `extraServices`
    /// (an in-process worker, a metrics listener) running beside it. `app serve`, `app dev` and the tests build it
    /// here, so the wiring the tests run is the wiring that ships.
    package func webApplication(
        metrics: PrometheusCollectorRegistry, wake: WakeSignal = WakeSignal(), inProcessWorker: Bool = false,
        extraServices: [any Service] = []
    ) async throws -> some ApplicationProtocol {
        let photos = self.photos
        let store = self.store
        let database = self.database
        return try await buildApplication(
            database: database.sql, photos: photos, queue: queue, albums: database.albums,
            accounts: database.accounts, shareLinks: database.shareLinks, store: store, resumable: resumableUploads,
            cache: cache,
            galleryCacheTTL: galleryCacheTTL(inProcessWorker: inProcessWorker), wake: wake,
            readiness: { [sqs] in
                try await photos.checkHealth()
                try await database.requireCurrent()
                try await store.checkHealth()
                // A missing queue or refused keys; SQS merely down keeps the server ready (the outbox holds jobs).
                _ = try await sqs?.checkConfiguration()
            },
            metrics: metricsEndpoint(metrics), configuration: webConfiguration, host: configuration.host,
            port: configuration.port, extraServices: extraServices, logger: logger)
    }

    /// What `/metrics` shows: the registry, and the queue's depth read at scrape time.
    func metricsEndpoint(_ registry: PrometheusCollectorRegistry) -> MetricsEndpoint {
        MetricsEndpoint(registry: registry, queueStats: { [queue] in try await queue.stats() }, logger: logger)
    }

    /// The `/metrics` listener on `METRICS_PORT`, when one is set.
    package func metricsServices(_ registry: PrometheusCollectorRegistry) -> [any Service] {
        guard let port = configuration.limits.metricsPort else { return [] }
        return [metricsEndpoint(registry).application(host: configuration.host, port: port)]
    }

    /// The tus endpoints' parts, over the configured database and store.
    package var resumableUploads: ResumableUploads? {
        guard let staging = store as? any ResumableUploadStore else { return nil }
        let settings = configuration.resumable
        return ResumableUploads(
            uploads: database.uploads, store: staging, maxChunkBytes: settings.maxChunkBytes, expiry: settings.expiry,
            browserThreshold: settings.browserThreshold)
    }

    package var webConfiguration: WebConfiguration {
        var web = WebConfiguration(
            maxUploadBytes: configuration.maxUploadBytes, maxPixels: configuration.maxPixels,
            serveStatic: configuration.serveStatic, serveMedia: configuration.serveMedia,
            publicDirectory: configuration.publicDirectory, templatesDirectory: configuration.templatesDirectory,
            mediaRoot: (store as? LocalStore)?.root, maxJobAttempts: configuration.maxAttempts,
            auth: AuthConfiguration(
                required: configuration.authRequired, galleryPublic: configuration.galleryPublic,
                bcryptCost: configuration.bcryptCost),
            uploadRatePerMinute: configuration.uploadRatePerMinute, trustedProxies: configuration.trustedProxies
        )
        .limited(by: configuration.limits, mediaOrigin: (store as? S3Store)?.mediaOrigin)
        web.sharing = configuration.sharing
        web.tracing = configuration.tracing.enabled
        web.trashDays = configuration.trashDays
        if let pageSize = overrides.pageSize { web.pageSize = pageSize }
        if let window = overrides.uploadRateWindow { web.uploadRateWindow = window }
        return web
    }

    /// The worker service; with PostgreSQL `LISTEN` wakes it, so its poll is only the slow fallback.
    package func worker(wake: WakeSignal) -> Worker {
        let host = ProcessInfo.processInfo.hostName
        let id = "\(host):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
        let listens = sqs == nil && database.jobListener(wake: wake) != nil
        // With SQS an empty claim has already long-polled; the extra wait is only a pause between polls.
        let maxPoll: Duration = sqs != nil ? .milliseconds(100) : listens ? .seconds(10) : .seconds(2)
        return Worker(
            queue: queue,
            processor: ThumbnailProcessor(photos: photos, queue: queue, store: store, options: configuration.pipeline),
            configuration: WorkerConfiguration(
                concurrency: configuration.concurrency, lease: configuration.jobLease,
                heartbeat: configuration.jobLease / 4, minPollInterval: min(.milliseconds(50), maxPoll),
                maxPollInterval: maxPoll,
                shutdownGrace: configuration.shutdownGrace, workerID: id),
            wake: wake, logger: logger,
            onJobRecorded: { [cache] _ in await GalleryCache.invalidate(cache) },
            releaseMemory: { MemoryTuning.releaseFreeMemory() })
    }

    /// Everything a worker process (or `app dev`'s in-process worker) runs, in start order: the `LISTEN`
    /// connection, the worker, the sweep. A service group stops them in reverse.
    package func workerServices(wake: WakeSignal) -> [any Service] {
        var services: [any Service] = []
        // SQS workers long-poll the queue; only the database queue's workers listen for NOTIFY.
        if sqs == nil, let listener = database.jobListener(wake: wake) { services.append(listener) }
        services.append(worker(wake: wake))
        if let interval = configuration.sweepInterval {
            var sweeper = Sweeper(
                queue: queue, photos: photos, store: store,
                configuration: SweepConfiguration(interval: interval, maxAttempts: configuration.maxAttempts),
                wake: wake, logger: logger)
            if let staging = store as? any ResumableUploadStore {
                sweeper.expiredUploads = ExpiredUploadSweep(uploads: database.uploads, store: staging, logger: logger)
            }
            // With TRASH_DAYS=0 deleting purges at once; the sweep still empties what an earlier setting left.
            sweeper.trash = TrashSweep(
                photos: photos, purge: MediaPurge(photos: photos, store: store, logger: logger),
                retention: .seconds(configuration.trashDays * 86_400), logger: logger)
            services.append(sweeper)
        }
        return services
    }
}
