import ArgumentParser

// The settings, in groups of flags: a command takes the groups it reads, so its `--help` lists only those (issue 26).
// Every flag falls back to its environment variable, then to its default (DESIGN §2); `Configuration` resolves them.

/// What every command reads: its log lines and where Public/, Templates/ and Migrations/ are.
package struct ProcessOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "Logging and resources"

    package init() {}

    @Option(
        name: .customLong("log-level"),
        help: "LOG_LEVEL: trace, debug, info, notice, warning, error, critical (default info)")
    package var logLevel: String?

    @Option(name: .customLong("log-format"), help: "LOG_FORMAT: text or json (default text)")
    package var logFormat: String?

    @Option(
        name: .customLong("resources-dir"),
        help:
            "RESOURCES_DIR: folder holding Public/, Templates/ and Migrations/ (default: found from the working directory or the binary)"
    )
    package var resourcesDir: String?
}

/// The database: SQLite or PostgreSQL, and how PostgreSQL is reached.
package struct DatabaseOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "Database"

    package init() {}

    @Option(
        name: .customLong("database-url"),
        help: "DATABASE_URL: sqlite:PATH or postgres://… (default sqlite:./data/memories.sqlite3)")
    package var databaseURL: String?

    @Option(
        name: .customLong("database-pool-size"),
        help: "DATABASE_POOL_SIZE: most PostgreSQL connections this process opens (default 10)")
    package var databasePoolSize: String?

    @Option(
        name: .customLong("database-ca-file"),
        help:
            "DATABASE_CA_FILE: PEM CA certificates for sslmode=verify-ca/verify-full (default: the URL's sslrootcert, else the system's)"
    )
    package var databaseCAFile: String?

    @Option(
        name: .customLong("database-timeout-seconds"),
        help:
            "DATABASE_TIMEOUT_SECONDS: how long a PostgreSQL operation may wait for a connection and run before the request gets 503 (default 10)"
    )
    package var databaseTimeout: String?
}

/// Where media live: the local folder or an S3 bucket.
package struct StorageOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "Media storage"

    package init() {}

    @Option(name: .customLong("storage"), help: "STORAGE: local (default) or s3")
    package var storage: String?

    @Option(
        name: .customLong("s3-bucket"),
        help:
            "S3_BUCKET: the bucket, with STORAGE=s3 (credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)"
    )
    package var s3Bucket: String?

    @Option(name: .customLong("s3-region"), help: "S3_REGION: the bucket's region (default us-east-1)")
    package var s3Region: String?

    @Option(
        name: .customLong("s3-endpoint"),
        help: "S3_ENDPOINT: an S3-compatible endpoint URL (MinIO, R2, moto); default AWS")
    package var s3Endpoint: String?

    @Option(
        name: .customLong("s3-path-style"), help: "S3_PATH_STYLE: path-style addressing (default true with S3_ENDPOINT)"
    )
    package var s3PathStyle: String?

    @Option(
        name: .customLong("s3-public-url"),
        help: "S3_PUBLIC_URL: public base URL of the bucket or its CDN; default presigned URLs")
    package var s3PublicURL: String?

    @Option(
        name: .customLong("s3-presign-seconds"),
        help: "S3_PRESIGN_SECONDS: lifetime of presigned media URLs (default 3600)")
    package var s3PresignSeconds: String?

    @Option(name: .customLong("media-root"), help: "MEDIA_ROOT: folder for local media (default ./media)")
    package var mediaRoot: String?

    @Option(name: .customLong("media-url"), help: "MEDIA_URL: URL prefix media is served under (default /media/)")
    package var mediaURL: String?
}

/// The address a process listens on, and its separate /metrics port.
package struct ListenOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "Listening"

    package init() {}

    @Option(name: .customLong("host"), help: "HOST: address to listen on (default 127.0.0.1)")
    package var host: String?

    @Option(
        name: .customLong("metrics-port"),
        help:
            "METRICS_PORT: serve /metrics on this port (on HOST) instead of the main one; for app worker, the only way to expose its metrics (default: none)"
    )
    package var metricsPort: String?
}

/// What `app serve` alone reads: its port, limits, uploads, sign-in and sharing.
package struct ServerOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "HTTP server"

    package init() {}

    @Option(name: .customLong("port"), help: "PORT: port to listen on (default 8000)")
    package var port: String?

    @Option(name: .customLong("serve-static"), help: "SERVE_STATIC: serve Public/ under /static/ (default true)")
    package var serveStatic: String?

    @Option(name: .customLong("serve-media"), help: "SERVE_MEDIA: serve MEDIA_ROOT under /media/ (default true)")
    package var serveMedia: String?

    @Option(
        name: .customLong("max-upload-bytes"),
        help: "MAX_UPLOAD_BYTES: largest upload request, e.g. 50000000 or 50MB (default 50MB)")
    package var maxUploadBytes: String?

    @Option(
        name: .customLong("max-concurrent-uploads"),
        help: "MAX_CONCURRENT_UPLOADS: uploads one server handles at once; more get 503 with Retry-After (default 64)")
    package var maxConcurrentUploads: String?

    @Option(
        name: .customLong("header-timeout-seconds"),
        help:
            "HEADER_TIMEOUT_SECONDS: how long a connection may take to send a complete request head, and stay idle between requests (default 10)"
    )
    package var headerTimeout: String?

    @Option(
        name: .customLong("body-timeout-seconds"),
        help: "BODY_TIMEOUT_SECONDS: the longest pause allowed while a request body arrives (default 30)")
    package var bodyTimeout: String?

    @Option(
        name: .customLong("tus-max-chunk-bytes"),
        help: "TUS_MAX_CHUNK_BYTES: largest chunk of a resumable upload, e.g. 8MB (default 8MiB)")
    package var tusMaxChunkBytes: String?

    @Option(
        name: .customLong("tus-threshold"),
        help: "TUS_THRESHOLD: the page uploads files from this size up as resumable uploads (default 8MB)")
    package var tusThreshold: String?

    @Option(
        name: .customLong("upload-expiry-hours"),
        help:
            "UPLOAD_EXPIRY_HOURS: an unfinished resumable upload is removed this long after its last chunk (default 24)"
    )
    package var uploadExpiryHours: String?

    @Option(
        name: .customLong("upload-rate-per-minute"),
        help: "UPLOAD_RATE_PER_MINUTE: uploads one client may start a minute; 0 is no limit (default 60)")
    package var uploadRatePerMinute: String?

    @Option(
        name: .customLong("auth-required"),
        help: "AUTH_REQUIRED: uploads, deletes and edits need a signed-in user (default true; false under app dev)")
    package var authRequired: String?

    @Option(
        name: .customLong("gallery-public"),
        help: "GALLERY_PUBLIC: with AUTH_REQUIRED, anonymous visitors may view the gallery (default false)")
    package var galleryPublic: String?

    @Option(
        name: .customLong("gallery-cache-seconds"),
        help:
            "GALLERY_CACHE_SECONDS: how long rendered gallery grids are cached; 0 turns it off (default 300 with Redis or app dev, 2 with memory)"
    )
    package var galleryCacheSeconds: String?

    @Option(
        name: .customLong("share-links"),
        help: "SHARE_LINKS: on or off; off, every public share link (and the link routes) answers 404 (default on)")
    package var shareLinks: String?

    @Option(
        name: .customLong("share-link-default-expiry"),
        help:
            "SHARE_LINK_DEFAULT_EXPIRY: the expiry new share links get, like 30d or 12h; empty is never (default empty)"
    )
    package var shareLinkDefaultExpiry: String?

    @Option(
        name: .customLong("trusted-proxies"),
        help:
            "TRUSTED_PROXIES: proxy addresses or CIDR ranges, comma-separated, whose X-Forwarded-For names the client (default none)"
    )
    package var trustedProxies: String?
}

/// The largest image accepted, checked from the header before any pixel is decoded.
package struct ImageLimitOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "Image limits"

    package init() {}

    @Option(name: .customLong("max-pixels"), help: "MAX_PIXELS: largest image in pixels (default 100000000)")
    package var maxPixels: String?
}

/// The display image and thumbnail the pipeline makes.
package struct ImagingOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "Derivatives"

    package init() {}

    @Option(name: .customLong("display-size"), help: "DISPLAY_SIZE: display image fits this square (default 1280)")
    package var displaySize: String?

    @Option(name: .customLong("thumbnail-size"), help: "THUMBNAIL_SIZE: thumbnail fits this square (default 400)")
    package var thumbnailSize: String?

    @Option(name: .customLong("display-quality"), help: "DISPLAY_QUALITY: JPEG quality 1–100 (default 80)")
    package var displayQuality: String?

    @Option(name: .customLong("thumbnail-quality"), help: "THUMBNAIL_QUALITY: JPEG quality 1–100 (default 75)")
    package var thumbnailQuality: String?

    @Option(
        name: .customLong("webp-derivatives"),
        help: "WEBP_DERIVATIVES: also make WebP twins of the display image and thumbnail (default true)")
    package var webpDerivatives: String?
}

/// How many tries a job gets: read where jobs are enqueued and where they run.
package struct QueueOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "Job queue"

    package init() {}

    @Option(name: .customLong("max-attempts"), help: "JOB_MAX_ATTEMPTS: tries before a job fails for good (default 5)")
    package var maxAttempts: String?

    @Option(
        name: .customLong("queue"),
        help: "QUEUE: database (default: the jobs table is the broker) or sqs (the jobs table is the outbox)")
    package var queue: String?

    @Option(name: .customLong("sqs-queue-url"), help: "SQS_QUEUE_URL: the SQS queue's URL (QUEUE=sqs)")
    package var sqsQueueURL: String?

    @Option(
        name: .customLong("sqs-region"),
        help: "SQS_REGION: the region SQS requests are signed for (default AWS_REGION, else the queue URL's)")
    package var sqsRegion: String?

    @Option(
        name: .customLong("sqs-endpoint"),
        help: "SQS_ENDPOINT: http(s)://host[:port] of an SQS-compatible server (moto, ElasticMQ); default AWS's")
    package var sqsEndpoint: String?

    @Option(
        name: .customLong("sqs-wait-seconds"), help: "SQS_WAIT_SECONDS: a worker's long-poll wait, 0–20 (default 20)")
    package var sqsWaitSeconds: String?
}

/// How a worker runs jobs and sweeps.
package struct WorkerOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "Worker"

    package init() {}

    @Option(
        name: .customLong("concurrency"),
        help: "WORKER_CONCURRENCY: jobs a worker runs at once (default: the number of cores)")
    package var concurrency: String?

    @Option(
        name: .customLong("job-lease-seconds"),
        help:
            "JOB_LEASE_SECONDS: how long a claimed job is a worker's before another may take it; kept alive by a heartbeat (default 60)"
    )
    package var jobLease: String?

    @Option(
        name: .customLong("shutdown-grace-seconds"),
        help:
            "SHUTDOWN_GRACE_SECONDS: on SIGTERM, how long running jobs may finish before they are released (default 20)"
    )
    package var shutdownGrace: String?

    @Option(
        name: .customLong("sweep-interval-seconds"),
        help:
            "SWEEP_INTERVAL_SECONDS: how often the worker re-enqueues stuck photos; 0 turns the sweep off (default 60)")
    package var sweepInterval: String?
}

/// The cache the server fills and the worker invalidates.
package struct CacheOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "Cache"

    package init() {}

    @Option(
        name: .customLong("cache-url"),
        help: "CACHE_URL: memory (default, per process) or redis://[:password@]host[:port][/db]")
    package var cacheURL: String?
}

/// How new password hashes are made.
package struct PasswordOptions: ParsableArguments {
    /// The heading of this group in `--help`.
    package static let title = "Passwords"

    package init() {}

    @Option(
        name: .customLong("bcrypt-cost"), help: "BCRYPT_COST: bcrypt cost for new password hashes, 4–31 (default 12)")
    package var bcryptCost: String?
}

/// How long deleted photos wait in the trash: the server shows when they go, the worker's sweep purges them.
package struct TrashOptions: ParsableArguments {
    package init() {}
    package static let title = "Trash"

    @Option(
        name: .customLong("trash-days"),
        help:
            "TRASH_DAYS: days a deleted photo stays in the trash before the sweep purges it; 0 deletes at once, with no trash (default 30)"
    )
    package var trashDays: String?
}
