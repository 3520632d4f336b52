import Cache
import Database
import Foundation
import Imaging
import Logging
import Storage
import Web

/// The effective configuration of one process, resolved from flags, then environment variables, then defaults.
/// Every bad value is reported, one line each naming the variable and what it expected.
struct Configuration: Sendable {
    var database: DatabaseURL
    var databasePoolSize: Int
    var databaseCAFile: String?
    var databaseTimeout: Duration
    var storage: StorageChoice
    var mediaRoot: String
    var mediaURL: String
    var host: String
    var port: Int
    var serveStatic: Bool
    var serveMedia: Bool
    var maxUploadBytes: Int
    var maxPixels: Int
    var limits: ConnectionLimits
    var pipeline: PipelineOptions
    var concurrency: Int
    var maxAttempts: Int
    var jobLease: Duration
    var shutdownGrace: Duration
    /// Nil when the sweep is off (`SWEEP_INTERVAL_SECONDS=0`).
    var sweepInterval: Duration?
    var resumable: ResumableSettings
    var authRequired: Bool
    var galleryPublic: Bool
    var bcryptCost: Int
    var resourcesDirectory: String
    var logLevel: Logger.Level
    var logFormat: LogFormat
    var cache: CacheURL
    var uploadRatePerMinute: Int
    /// Nil: chosen by the cache kind (`Runtime.galleryCacheTTL`).
    var galleryCacheSeconds: Int?
    var trustedProxies: TrustedProxies

    /// Where media live.
    enum StorageChoice: Sendable {
        case local
        case s3(S3Configuration)
    }

    /// How log lines are written.
    enum LogFormat: String, Sendable { case text, json }

    /// All the problems found, one line each.
    struct Invalid: Error, CustomStringConvertible {
        var problems: [String]
        var description: String { problems.joined(separator: "\n") }
    }

    /// `authRequiredByDefault` is false only for `app dev`, so a newcomer can try it without an account.
    init(
        settings: Settings, environment: [String: String] = ProcessInfo.processInfo.environment,
        authRequiredByDefault: Bool = true
    ) throws {
        var reader = SettingReader(environment: environment)
        database = reader.parse(settings.databaseURL, "DATABASE_URL", default: DatabaseURL.defaultValue) { text in
            do { return try DatabaseURL(parsing: text) } catch let error as DatabaseError { throw SettingReader.Problem(error.message) }
        } ?? .sqlite(path: "./data/memories.sqlite3")
        databasePoolSize = reader.integer(settings.databasePoolSize, "DATABASE_POOL_SIZE", default: 10, range: 1...1000)
        databaseCAFile = settings.databaseCAFile ?? environment["DATABASE_CA_FILE"]
        databaseTimeout = .seconds(
            reader.integer(settings.databaseTimeout, "DATABASE_TIMEOUT_SECONDS", default: 10, range: 1...600))
        if let file = databaseCAFile, !FileManager.default.isReadableFile(atPath: file) {
            reader.problems.append("DATABASE_CA_FILE: expected a readable PEM file of CA certificates; got '\(file)'")
        }
        switch reader.string(settings.storage, "STORAGE", default: "local").lowercased() {
        case "local":
            storage = .local
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
        mediaRoot = reader.string(settings.mediaRoot, "MEDIA_ROOT", default: "./media")
        mediaURL = reader.string(settings.mediaURL, "MEDIA_URL", default: "/media/")
        host = reader.string(settings.host, "HOST", default: "127.0.0.1")
        port = reader.integer(settings.port, "PORT", default: 8000, range: 0...65535)
        serveStatic = reader.boolean(settings.serveStatic, "SERVE_STATIC", default: true)
        serveMedia = reader.boolean(settings.serveMedia, "SERVE_MEDIA", default: true)
        maxUploadBytes = reader.byteCount(settings.maxUploadBytes, "MAX_UPLOAD_BYTES", default: 50_000_000)
        limits = reader.connectionLimits(settings)
        pipeline = reader.pipelineOptions(settings)
        maxPixels = pipeline.maxPixels
        concurrency = reader.integer(
            settings.concurrency, "WORKER_CONCURRENCY", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...256)
        maxAttempts = reader.integer(settings.maxAttempts, "JOB_MAX_ATTEMPTS", default: 5, range: 1...100)
        jobLease = .seconds(reader.integer(settings.jobLease, "JOB_LEASE_SECONDS", default: 60, range: 2...86_400))
        shutdownGrace = .seconds(
            reader.integer(settings.shutdownGrace, "SHUTDOWN_GRACE_SECONDS", default: 20, range: 0...3600))
        let sweep = reader.integer(settings.sweepInterval, "SWEEP_INTERVAL_SECONDS", default: 60, range: 0...86_400)
        sweepInterval = sweep == 0 ? nil : .seconds(sweep)
        authRequired = reader.boolean(settings.authRequired, "AUTH_REQUIRED", default: authRequiredByDefault)
        galleryPublic = reader.boolean(settings.galleryPublic, "GALLERY_PUBLIC", default: false)
        bcryptCost = reader.integer(settings.bcryptCost, "BCRYPT_COST", default: 12, range: 4...31)
        logLevel = reader.parse(settings.logLevel, "LOG_LEVEL", default: "info") { text in
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw SettingReader.Problem("expected trace, debug, info, notice, warning, error or critical")
            }
            return level
        } ?? .info
        logFormat = reader.parse(settings.logFormat, "LOG_FORMAT", default: "text") { text in
            guard let format = LogFormat(rawValue: text.lowercased()) else { throw SettingReader.Problem("expected text or json") }
            return format
        } ?? .text
        resumable = reader.resumableSettings(settings)
        cache = reader.parse(settings.cacheURL, "CACHE_URL", default: "memory") { text in
            do { return try CacheURL(parsing: text) } catch let error as CacheError { throw SettingReader.Problem(error.message) }
        } ?? .memory
        if settings.galleryCacheSeconds ?? environment["GALLERY_CACHE_SECONDS"] != nil {
            galleryCacheSeconds = reader.integer(settings.galleryCacheSeconds, "GALLERY_CACHE_SECONDS", default: 0, range: 0...86_400)
        } else {
            galleryCacheSeconds = nil
        }
        uploadRatePerMinute = reader.integer(
            settings.uploadRatePerMinute, "UPLOAD_RATE_PER_MINUTE", default: 60, range: 0...1_000_000)
        trustedProxies = reader.parse(settings.trustedProxies, "TRUSTED_PROXIES", default: "") { text in
            do { return try TrustedProxies(parsing: text) } catch let error as TrustedProxiesError {
                throw SettingReader.Problem(error.message)
            }
        } ?? .none
        let explicitResources = settings.resourcesDir ?? environment["RESOURCES_DIR"]
        if let found = ResourceLocator.find(explicit: explicitResources) {
            resourcesDirectory = found
        } else {
            resourcesDirectory = "."
            reader.problems.append(
                explicitResources != nil
                    ? "RESOURCES_DIR: expected a folder holding Public/, Templates/ and Migrations/; got '\(explicitResources!)'"
                    : "RESOURCES_DIR: Public/, Templates/ and Migrations/ were not found next to the working directory or the binary; set RESOURCES_DIR")
        }
        if !reader.problems.isEmpty { throw Invalid(problems: reader.problems) }
    }

    /// The S3 settings from flags and the environment. Flags override their variables; credentials are read
    /// from the environment only, never from flags (flags show up in `ps`).
    static func s3(settings: Settings, environment: [String: String]) throws -> S3Configuration {
        var s3Environment = environment
        for (name, flag) in [
            ("S3_BUCKET", settings.s3Bucket), ("S3_REGION", settings.s3Region), ("S3_ENDPOINT", settings.s3Endpoint),
            ("S3_PATH_STYLE", settings.s3PathStyle), ("S3_PUBLIC_URL", settings.s3PublicURL),
            ("S3_PRESIGN_SECONDS", settings.s3PresignSeconds),
        ] {
            if let flag { s3Environment[name] = flag }
        }
        return try S3Configuration.fromEnvironment(s3Environment)
    }

    /// `local`, or `s3` with the bucket's settings (secrets masked).
    var storageDescription: String {
        switch storage {
        case .local: return "local"
        case .s3(let s3): return "s3 (\(s3))"
        }
    }

    var publicDirectory: String { resourcesDirectory + "/Public" }
    var templatesDirectory: String { resourcesDirectory + "/Templates" }
    /// The migrations of one dialect: `sqlite` or `postgres`.
    func migrationsDirectory(for dialect: String) -> String { resourcesDirectory + "/Migrations/" + dialect }

    /// `name = value` lines for `app check`-style printing; secrets masked.
    var summary: [(String, String)] {
        [
            ("DATABASE_URL", database.description), ("DATABASE_POOL_SIZE", String(databasePoolSize)),
            ("DATABASE_CA_FILE", databaseCAFile ?? "(none)"),
            ("DATABASE_TIMEOUT_SECONDS", String(databaseTimeout.components.seconds)), ("STORAGE", storageDescription), ("MEDIA_ROOT", mediaRoot),
            ("MEDIA_URL", mediaURL), ("HOST", host), ("PORT", String(port)), ("SERVE_STATIC", String(serveStatic)),
            ("SERVE_MEDIA", String(serveMedia)), ("MAX_UPLOAD_BYTES", String(maxUploadBytes)),
            ("MAX_PIXELS", String(maxPixels)), ("DISPLAY_SIZE", String(pipeline.displaySize)),
            ("THUMBNAIL_SIZE", String(pipeline.thumbnailSize)), ("DISPLAY_QUALITY", String(pipeline.displayQuality)),
            ("THUMBNAIL_QUALITY", String(pipeline.thumbnailQuality)), ("WORKER_CONCURRENCY", String(concurrency)),
            ("JOB_MAX_ATTEMPTS", String(maxAttempts)), ("JOB_LEASE_SECONDS", String(jobLease.components.seconds)),
            ("SHUTDOWN_GRACE_SECONDS", String(shutdownGrace.components.seconds)),
            ("SWEEP_INTERVAL_SECONDS", String(sweepInterval?.components.seconds ?? 0)),
            ("TUS_MAX_CHUNK_BYTES", String(resumable.maxChunkBytes)), ("TUS_THRESHOLD", String(resumable.browserThreshold)),
            ("UPLOAD_EXPIRY_HOURS", String(resumable.expiry / 3600)), ("RESOURCES_DIR", resourcesDirectory),
            ("AUTH_REQUIRED", String(authRequired)), ("GALLERY_PUBLIC", String(galleryPublic)),
            ("BCRYPT_COST", String(bcryptCost)),
            ("LOG_LEVEL", logLevel.rawValue), ("LOG_FORMAT", logFormat.rawValue), ("CACHE_URL", cache.description),
            ("UPLOAD_RATE_PER_MINUTE", String(uploadRatePerMinute)),
            ("GALLERY_CACHE_SECONDS", galleryCacheSeconds.map(String.init) ?? "(automatic)"),
            ("TRUSTED_PROXIES", trustedProxies.text.isEmpty ? "(none)" : trustedProxies.text),
        ] + limits.summary
    }
}

/// Reads one setting at a time from a flag or the environment, collecting problems instead of stopping at the first.
struct SettingReader {
    struct Problem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    let environment: [String: String]
    var problems: [String] = []

    mutating func parse<T>(_ flag: String?, _ name: String, default fallback: String, _ convert: (String) throws -> T) -> T? {
        let text = flag ?? environment[name] ?? fallback
        do {
            return try convert(text)
        } catch let problem as Problem {
            problems.append("\(name): \(problem.message); got '\(text)'")
        } catch {
            problems.append("\(name): \(error); got '\(text)'")
        }
        return nil
    }

    mutating func string(_ flag: String?, _ name: String, default fallback: String) -> String {
        let text = flag ?? environment[name] ?? fallback
        if text.isEmpty { problems.append("\(name): expected a value; got an empty string") }
        return text
    }

    mutating func integer(_ flag: String?, _ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        parse(flag, name, default: String(fallback)) { text in
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw Problem("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        } ?? fallback
    }

    mutating func boolean(_ flag: String?, _ name: String, default fallback: Bool) -> Bool {
        parse(flag, name, default: String(fallback)) { text in
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw Problem("expected true or false")
            }
        } ?? fallback
    }

    /// The image pipeline's settings (MAX_PIXELS, DISPLAY_*, THUMBNAIL_*): shared by every role and `app thumbnail`.
    mutating func pipelineOptions(_ settings: Settings) -> PipelineOptions {
        PipelineOptions(
            displaySize: integer(settings.displaySize, "DISPLAY_SIZE", default: 1280, range: 16...8192),
            thumbnailSize: integer(settings.thumbnailSize, "THUMBNAIL_SIZE", default: 400, range: 16...4096),
            displayQuality: integer(settings.displayQuality, "DISPLAY_QUALITY", default: 80, range: 1...100),
            thumbnailQuality: integer(settings.thumbnailQuality, "THUMBNAIL_QUALITY", default: 75, range: 1...100),
            maxPixels: integer(settings.maxPixels, "MAX_PIXELS", default: 100_000_000, range: 1...1_000_000_000))
    }

    /// Bytes as a plain number or with a decimal unit: `50000000`, `50MB`, `512kB`, `1GB`.
    mutating func byteCount(_ flag: String?, _ name: String, default fallback: Int) -> Int {
        parse(flag, name, default: String(fallback)) { text in
            let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
            let units: [(String, Int)] = [("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("G", 1_000_000_000), ("M", 1_000_000), ("K", 1_000), ("B", 1)]
            var multiplier = 1
            var digits = trimmed
            for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
                multiplier = factor
                digits = String(trimmed.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
                break
            }
            guard let value = Int(digits), value > 0, value <= Int.max / multiplier else {
                throw Problem("expected a size in bytes such as 50000000 or 50MB")
            }
            return value * multiplier
        } ?? fallback
    }
}
