import Cache
import Database
import Jobs
import Logging
import Prometheus
import Storage

/// The parts the HTTP side works with, wired by `App`.
public struct WebServices: Sendable {
    public var photos: any PhotoRepository
    public var albums: any AlbumRepository
    /// Users, sessions and API tokens.
    public var accounts: any AccountRepository
    public var store: any MediaStore
    /// Woken after an upload commits, so an in-process worker starts at once.
    public var wake: WakeSignal
    /// Prometheus registry behind `GET /metrics`.
    public var metrics: PrometheusCollectorRegistry
    /// Throws when the database or storage is not ready (`GET /readyz`): unreachable, or migrations behind.
    public var readiness: @Sendable () async throws -> Void
    public var logger: Logger
    /// The job queue's counts by state, read when `/metrics` is scraped; nil leaves the queue gauges out.
    public var queueStats: (@Sendable () async throws -> QueueStats)?
    /// The tus endpoints' parts (`/uploads`); nil leaves resumable uploads off.
    public var resumable: ResumableUploads?
    /// The shared cache (`CACHE_URL`): rate-limit counters and the gallery's rendered grids.
    public var cache: any Cache
    /// Rendered gallery grids in `cache`.
    public var gallery: GalleryCache

    public init(
        photos: any PhotoRepository, albums: any AlbumRepository, accounts: any AccountRepository, store: any MediaStore, wake: WakeSignal,
        metrics: PrometheusCollectorRegistry, readiness: @escaping @Sendable () async throws -> Void, logger: Logger,
        queueStats: (@Sendable () async throws -> QueueStats)? = nil,
        cache: any Cache = MemoryCache(), galleryCacheTTL: Duration = .seconds(2)
    ) {
        self.queueStats = queueStats
        self.cache = cache
        self.gallery = GalleryCache(cache: cache, ttl: galleryCacheTTL)
        self.photos = photos
        self.albums = albums
        self.accounts = accounts
        self.store = store
        self.wake = wake
        self.metrics = metrics
        self.readiness = readiness
        self.logger = logger
    }
}
