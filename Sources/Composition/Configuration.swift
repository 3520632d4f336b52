import Cache
import Database
import Foundation
import Imaging
import Jobs
import Logging
import Storage
import Web

/// The effective configuration of one process, resolved from flags, then environment variables, then defaults.
/// Every bad value is reported, one line each naming the variable and what it expected.
package struct Configuration: Sendable {
    package var database: DatabaseURL
    package var databasePoolSize: Int
    package var databaseCAFile: String?
    package var databaseTimeout: Duration
    package var storage: StorageChoice
    package var mediaRoot: String
    package var mediaURL: String
    package var host: String
    package var port: Int
    package var serveStatic: Bool
    package var serveMedia: Bool
    package var maxUploadBytes: Int
    package var maxPixels: Int
    package var limits: ConnectionLimits
    package var pipeline: PipelineOptions
    package var concurrency: Int
    package var maxAttempts: Int
    /// The job transport: the database (default) or SQS with the jobs table as its outbox.
    package var queue: QueueChoice
    package var jobLease: Duration
    package var shutdownGrace: Duration
    /// Nil when the sweep is off (`SWEEP_INTERVAL_SECONDS=0`).
    package var sweepInterval: Duration?
    /// Days a trashed photo waits before the sweep purges it; 0: no trash, deleting purges at once.
    package var trashDays: Int
    package var resumable: ResumableSettings
    package var authRequired: Bool
    package var galleryPublic: Bool
    package var bcryptCost: Int
    package var resourcesDirectory: String
    package var logLevel: Logger.Level
    package var logFormat: LogFormat
    package var cache: CacheURL
    package var uploadRatePerMinute: Int
    /// Nil: chosen by the cache kind (`Runtime.galleryCacheTTL`).
    package var galleryCacheSeconds: Int?
    package var trustedProxies: TrustedProxies
    package var sharing: SharingConfiguration
    /// OpenTelemetry traces: on with an OTLP endpoint, off (the no-op tracer) otherwise.
    package var tracing: TracingSettings

    /// Where media live.
    package enum StorageChoice: Sendable {
        case local
        case s3(S3Configuration)
    }

    /// How jobs travel from the servers to the workers.
    package enum QueueChoice: Sendable {
        case database
        case sqs(SQSConfiguration)
    }

    /// How log lines are written.
    package enum LogFormat: String, Sendable { case text, json }

    /// Whether only this machine can reach `host` (`127.0.0.1`, `::1`, `localhost`).
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// All the problems found, one line each.
    package struct Invalid: Error, CustomStringConvertible {
        package var problems: [String]
        package var description: String { problems.joined(separator: "\n") }

        package init(problems: [String]) { self.problems = problems }
    }

    /// `authRequiredByDefault` is false only for `app dev`, so a newcomer can try it without an account.
    package init(
        settings: Settings, environment: [String: String] = ProcessInfo.processInfo.environment,
        authRequiredByDefault: Bool = true
    ) throws {
        var reader = SettingReader(environment: environment)
        database =
            reader.parse(
                settings.database?.databaseURL, "DATABASE_URL", default: DatabaseURL.defaultValue, echo: false
            ) { text in
                do {
                    let url = try DatabaseURL(parsing: text)
                    // Checked now, so a mistyped URL is a configuration line at start, not an error when connecting.
                    if case .postgres(let postgres) = url { _ = try PostgresURL(parsing: postgres) }
                    return url
                } catch let error as DatabaseError {
                    throw SettingReader.Problem(error.message)
                }
            } ?? .sqlite(path: "./data/memories.sqlite3")
        databasePoolSize = reader.integer(
            settings.database?.databasePoolSize, "DATABASE_POOL_SIZE", default: 10, range: 1...1000)
        databaseCAFile = settings.database?.databaseCAFile ?? environment["DATABASE_CA_FILE"]
        databaseTimeout = .seconds(
            reader.integer(settings.database?.databaseTimeout, "DATABASE_TIMEOUT_SECONDS", default: 10, range: 1...600))
        if let file = databaseCAFile, !FileManager.default.isReadableFile(atPath: file) {
            reader.problems.append("DATABASE_CA_FILE: expected a readable PEM file of CA certificates; got '\(file)'")
        }
        switch reader.string(settings.storage?.storage, "STORAGE", default: "local").lowercased() {
        case "local": storage = .local
        case "s3":
            do {
                storage = .s3(try Self.s3(settings: settings, environment: environment))
            } catch let error as StorageError {
                reader.problems += error.message.split(separator: "\n").map(String.init)
                storage = .local
            }
        case let other:
            reader.problems.append("STORAGE: expected local or s3; got '\(other)'")
            storage = .local
        }
        mediaRoot = reader.string(settings.storage?.mediaRoot, "MEDIA_ROOT", default: "./media")
        mediaURL = reader.string(settings.storage?.mediaURL, "MEDIA_URL", default: "/media/")
        host = reader.string(settings.listen?.host, "HOST", default: "127.0.0.1")
        port = reader.integer(settings.server?.port, "PORT", default: 8000, range: 0...65535)
        serveStatic = reader.boolean(settings.server?.serveStatic, "SERVE_STATIC", default: true)
        serveMedia = reader.boolean(settings.server?.serveMedia, "SERVE_MEDIA", default: true)
        maxUploadBytes = reader.byteCount(settings.server?.maxUploadBytes, "MAX_UPLOAD_BYTES", default: 50_000_000)
        limits = reader.connectionLimits(settings)
        pipeline = reader.pipelineOptions(settings)
        maxPixels = pipeline.maxPixels
        concurrency = reader.integer(
            settings.worker?.concurrency, "WORKER_CONCURRENCY", default: ProcessInfo.processInfo.activeProcessorCount,
            range: 1...256)
        maxAttempts = reader.integer(settings.queue?.maxAttempts, "JOB_MAX_ATTEMPTS", default: 5, range: 1...100)
        switch reader.string(settings.queue?.queue, "QUEUE", default: "database").lowercased() {
        case "database": queue = .database
        case "sqs":
            var sqsEnvironment = environment
            for (name, flag) in [
                ("SQS_QUEUE_URL", settings.queue?.sqsQueueURL), ("SQS_REGION", settings.queue?.sqsRegion),
                ("SQS_ENDPOINT", settings.queue?.sqsEndpoint), ("SQS_WAIT_SECONDS", settings.queue?.sqsWaitSeconds),
            ] {
                if let flag { sqsEnvironment[name] = flag }
            }
            switch SQSConfiguration.fromEnvironment(sqsEnvironment) {
            case .success(let sqs): queue = .sqs(sqs)
            case .failure(let error):
                reader.problems += error.message.split(separator: "\n").map(String.init)
                queue = .database
            }
        case let other:
            reader.problems.append("QUEUE: expected database or sqs; got '\(other)'")
            queue = .database
        }
        jobLease = .seconds(
            reader.integer(settings.worker?.jobLease, "JOB_LEASE_SECONDS", default: 60, range: 2...86_400))
        shutdownGrace = .seconds(
            reader.integer(settings.worker?.shutdownGrace, "SHUTDOWN_GRACE_SECONDS", default: 20, range: 0...3600))
        let sweep = reader.integer(
            settings.worker?.sweepInterval, "SWEEP_INTERVAL_SECONDS", default: 60, range: 0...86_400)
        sweepInterval = sweep == 0 ? nil : .seconds(sweep)
        trashDays = reader.integer(settings.trash?.trashDays, "TRASH_DAYS", default: 30, range: 0...36_500)
        authRequired = reader.boolean(settings.server?.authRequired, "AUTH_REQUIRED", default: authRequiredByDefault)
        // app dev's open default is for a laptop: another machine must not reach it unless someone chose that.
        if !authRequired, settings.server?.authRequired == nil, environment["AUTH_REQUIRED"] == nil,
            !Self.isLoopback(host)
        {
            reader.problems.append(
                "HOST: app dev would serve \(host), which other machines can reach, with sign-in off; "
                    + "sign in with an account (AUTH_REQUIRED=true, `app users create`), or pass --no-auth "
                    + "(or AUTH_REQUIRED=false) to serve it open on purpose")
        }
        galleryPublic = reader.boolean(settings.server?.galleryPublic, "GALLERY_PUBLIC", default: false)
        bcryptCost = reader.integer(settings.passwords?.bcryptCost, "BCRYPT_COST", default: 12, range: 4...31)
        logLevel =
            reader.parse(settings.process?.logLevel, "LOG_LEVEL", default: "info") { text in
                guard let level = Logger.Level(rawValue: text.lowercased()) else {
                    throw SettingReader.Problem("expected trace, debug, info, notice, warning, error or critical")
                }
                return level
            } ?? .info
        logFormat =
            reader.parse(settings.process?.logFormat, "LOG_FORMAT", default: "text") { text in
                guard let format = LogFormat(rawValue: text.lowercased()) else {
                    throw SettingReader.Problem("expected text or json")
                }
                return format
            } ?? .text
        resumable = reader.resumableSettings(settings)
        // CacheError and TrustedProxiesError describe themselves by their message, as the reader's lines want.
        cache =
            reader.parse(settings.cache?.cacheURL, "CACHE_URL", default: "memory", echo: false) {
                try CacheURL(parsing: $0)
            }
            ?? .memory
        if settings.server?.galleryCacheSeconds ?? environment["GALLERY_CACHE_SECONDS"] != nil {
            galleryCacheSeconds = reader.integer(
                settings.server?.galleryCacheSeconds, "GALLERY_CACHE_SECONDS", default: 0, range: 0...86_400)
        } else {
            galleryCacheSeconds = nil
        }
        uploadRatePerMinute = reader.integer(
            settings.server?.uploadRatePerMinute, "UPLOAD_RATE_PER_MINUTE", default: 60, range: 0...1_000_000)
        trustedProxies =
            reader.parse(settings.server?.trustedProxies, "TRUSTED_PROXIES", default: "") {
                try TrustedProxies(parsing: $0)
            }
            ?? .none
        sharing = SharingConfiguration(
            enabled: reader.boolean(settings.server?.shareLinks, "SHARE_LINKS", default: true),
            defaultExpiry: reader.parse(
                settings.server?.shareLinkDefaultExpiry, "SHARE_LINK_DEFAULT_EXPIRY", default: ""
            ) {
                try SharingConfiguration.lifetime($0)
            } ?? nil)
        tracing = reader.tracingSettings()
        let explicitResources = settings.process?.resourcesDir ?? environment["RESOURCES_DIR"]
        if let found = ResourceLocator.find(explicit: explicitResources) {
            resourcesDirectory = found
        } else {
            resourcesDirectory = "."
            reader.problems.append(
                explicitResources != nil
                    ? "RESOURCES_DIR: expected a folder holding Public/, Templates/ and Migrations/; got '\(explicitResources!)'"
                    : "RESOURCES_DIR: Public/, Templates/ and Migrations/ were not found next to the working directory or the binary; set RESOURCES_DIR"
            )
        }
        if !reader.problems.isEmpty { throw Invalid(problems: reader.problems) }
    }

    /// The S3 settings from flags and the environment. Flags override their variables; credentials are read
    /// from the environment only, never from flags (flags show up in `ps`).
    package static func s3(settings: Settings, environment: [String: String]) throws -> S3Configuration {
        var s3Environment = environment
        for (name, flag) in [
            ("S3_BUCKET", settings.storage?.s3Bucket), ("S3_REGION", settings.storage?.s3Region),
            ("S3_ENDPOINT", settings.storage?.s3Endpoint),
            ("S3_PATH_STYLE", settings.storage?.s3PathStyle), ("S3_PUBLIC_URL", settings.storage?.s3PublicURL),
            ("S3_PRESIGN_SECONDS", settings.storage?.s3PresignSeconds),
        ] {
            if let flag { s3Environment[name] = flag }
        }
        return try S3Configuration.fromEnvironment(s3Environment)
    }

    /// `local`, or `s3` with the bucket's settings (secrets masked).
    package var storageDescription: String {
        switch storage {
        case .local: return "local"
        case .s3(let s3): return "s3 (\(s3))"
        }
    }

    /// `database`, or `sqs` with the queue's settings (the secret masked).
    package var queueDescription: String {
        switch queue {
        case .database: return "database"
        case .sqs(let sqs): return "sqs (\(sqs))"
        }
    }

    package var publicDirectory: String { resourcesDirectory + "/Public" }
    package var templatesDirectory: String { resourcesDirectory + "/Templates" }
    /// The migrations of one dialect: `sqlite` or `postgres`.
    package func migrationsDirectory(for dialect: String) -> String { resourcesDirectory + "/Migrations/" + dialect }

    /// `name = value` lines for `app check`-style printing; secrets masked.
    package var summary: [(String, String)] {
        [
            ("DATABASE_URL", database.description), ("DATABASE_POOL_SIZE", String(databasePoolSize)),
            ("DATABASE_CA_FILE", databaseCAFile ?? "(none)"),
            ("DATABASE_TIMEOUT_SECONDS", String(databaseTimeout.components.seconds)), ("STORAGE", storageDescription),
            ("MEDIA_ROOT", mediaRoot),
            ("MEDIA_URL", mediaURL), ("HOST", host), ("PORT", String(port)), ("SERVE_STATIC", String(serveStatic)),
            ("SERVE_MEDIA", String(serveMedia)), ("MAX_UPLOAD_BYTES", String(maxUploadBytes)),
            ("MAX_PIXELS", String(maxPixels)), ("DISPLAY_SIZE", String(pipeline.displaySize)),
            ("THUMBNAIL_SIZE", String(pipeline.thumbnailSize)), ("DISPLAY_QUALITY", String(pipeline.displayQuality)),
            ("THUMBNAIL_QUALITY", String(pipeline.thumbnailQuality)), ("WORKER_CONCURRENCY", String(concurrency)),
            ("JOB_MAX_ATTEMPTS", String(maxAttempts)), ("QUEUE", queueDescription),
            ("JOB_LEASE_SECONDS", String(jobLease.components.seconds)),
            ("SHUTDOWN_GRACE_SECONDS", String(shutdownGrace.components.seconds)),
            ("SWEEP_INTERVAL_SECONDS", String(sweepInterval?.components.seconds ?? 0)),
            ("TRASH_DAYS", String(trashDays)),
            ("TUS_MAX_CHUNK_BYTES", String(resumable.maxChunkBytes)),
            ("TUS_THRESHOLD", String(resumable.browserThreshold)),
            ("UPLOAD_EXPIRY_HOURS", String(resumable.expiry / 3600)), ("RESOURCES_DIR", resourcesDirectory),
            ("AUTH_REQUIRED", String(authRequired)), ("GALLERY_PUBLIC", String(galleryPublic)),
            ("BCRYPT_COST", String(bcryptCost)),
            ("LOG_LEVEL", logLevel.rawValue), ("LOG_FORMAT", logFormat.rawValue), ("CACHE_URL", cache.description),
            ("UPLOAD_RATE_PER_MINUTE", String(uploadRatePerMinute)),
            ("GALLERY_CACHE_SECONDS", galleryCacheSeconds.map(String.init) ?? "(automatic)"),
            ("TRUSTED_PROXIES", trustedProxies.text.isEmpty ? "(none)" : trustedProxies.text),
            ("SHARE_LINKS", sharing.enabled ? "on" : "off"), ("OTEL_EXPORTER_OTLP_ENDPOINT", tracing.description),
            ("SHARE_LINK_DEFAULT_EXPIRY", sharing.defaultExpiry.map { "\($0.components.seconds)s" } ?? "(never)"),
        ] + limits.summary
    }
}
