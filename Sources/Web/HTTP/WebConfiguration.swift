/// What the HTTP side needs to know, built once by `App` from the settings.
public struct WebConfiguration: Sendable {
    /// Largest request body accepted on `POST /photos` (`MAX_UPLOAD_BYTES`).
    public var maxUploadBytes: Int
    /// Largest image accepted, in pixels, checked from the header (`MAX_PIXELS`).
    public var maxPixels: Int
    /// Serve `Public/` under `/static/` (`SERVE_STATIC`); off when NGINX does it.
    public var serveStatic: Bool
    /// Serve the local media folder under `/media/` (`SERVE_MEDIA`); off when NGINX does it.
    public var serveMedia: Bool
    /// The folder with CSS, JS and icons.
    public var publicDirectory: String
    /// The folder with the Mustache page templates.
    public var templatesDirectory: String
    /// The local media folder, when the store is local and the app serves it.
    public var mediaRoot: String?
    /// Attempts a thumbnail job gets before it fails for good.
    public var maxJobAttempts: Int
    /// Photos per gallery page.
    public var pageSize: Int
    /// Sign-in, who may look and how passwords are hashed (`AUTH_REQUIRED`, `GALLERY_PUBLIC`, `BCRYPT_COST`).
    public var auth: AuthConfiguration
    /// Uploads one client may start per minute (`UPLOAD_RATE_PER_MINUTE`); 0 is no limit.
    public var uploadRatePerMinute: Int = 60
    /// The rate limit's window: a minute, as the setting's name says (tests lengthen it, so a slow machine cannot
    /// see a window end in the middle of a test).
    public var uploadRateWindow: Duration = .seconds(60)
    /// Proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`).
    public var trustedProxies: TrustedProxies = .none
    /// Uploads handled at once; more get 503 with `Retry-After` (`MAX_CONCURRENT_UPLOADS`).
    public var maxConcurrentUploads: Int = 64
    /// How long a connection may take to send a complete request head (`HEADER_TIMEOUT_SECONDS`).
    public var headerTimeout: Duration = .seconds(10)
    /// The longest pause allowed between reads of a request body (`BODY_TIMEOUT_SECONDS`).
    public var bodyTimeout: Duration = .seconds(30)
    /// Origins besides this one that pages may load images from (the S3 endpoint or `S3_PUBLIC_URL`).
    public var mediaOrigins: [String] = []
    /// Public share links (`SHARE_LINKS`, `SHARE_LINK_DEFAULT_EXPIRY`).
    public var sharing = SharingConfiguration()
    /// Days a trashed photo stays before the sweep purges it (`TRASH_DAYS`); 0: deleting purges at once.
    public var trashDays = 30
    /// Whether requests get spans (`TracingMiddleware`): only when traces are exported, so an untraced server
    /// does not even make no-op spans.
    public var tracing = false
    /// Serve `GET /metrics` on the main port; false when `METRICS_PORT` gives it its own listener.
    public var serveMetrics = true

    public init(
        maxUploadBytes: Int = 50_000_000, maxPixels: Int = 100_000_000, serveStatic: Bool = true,
        serveMedia: Bool = true, publicDirectory: String, templatesDirectory: String, mediaRoot: String?,
        maxJobAttempts: Int = 5, pageSize: Int = 60, auth: AuthConfiguration = AuthConfiguration(),
        uploadRatePerMinute: Int = 60, trustedProxies: TrustedProxies = .none
    ) {
        self.uploadRatePerMinute = uploadRatePerMinute
        self.trustedProxies = trustedProxies
        self.maxUploadBytes = maxUploadBytes
        self.maxPixels = maxPixels
        self.serveStatic = serveStatic
        self.serveMedia = serveMedia
        self.publicDirectory = publicDirectory
        self.templatesDirectory = templatesDirectory
        self.mediaRoot = mediaRoot
        self.maxJobAttempts = maxJobAttempts
        self.pageSize = pageSize
        self.auth = auth
    }
}
