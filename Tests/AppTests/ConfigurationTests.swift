import Composition
import Foundation
import MemoriesTestSupport
import Testing

/// One bad value of one setting, with the other settings it needs to be read at all (the S3 ones need
/// `STORAGE=s3` and a bucket that works).
struct BadSetting: Sendable, CustomTestStringConvertible {
    var name: String
    var value: String
    var context: [String: String] = [:]

    var testDescription: String { "\(name)=\(value)" }
}

/// Configuration parsing (DESIGN §2): a bad value fails at start with one line naming the variable and what it
/// expected, and every bad value is reported, each on its own line.
@Suite("Configuration") struct ConfigurationTests {
    /// A working S3 setup, so each S3 test changes exactly one thing.
    static let s3: [String: String] = [
        "STORAGE": "s3", "S3_BUCKET": "memories", "AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret",
    ]

    /// Every variable the configuration reads, each with a value it must refuse.
    static let badSettings: [BadSetting] = [
        BadSetting(name: "DATABASE_URL", value: "mysql://db/memories"),
        BadSetting(name: "DATABASE_URL", value: "sqlite:"),
        BadSetting(name: "DATABASE_URL", value: "postgres://app:hunter2@db:notaport/memories"),
        BadSetting(name: "DATABASE_POOL_SIZE", value: "0"),
        BadSetting(name: "DATABASE_CA_FILE", value: "/nonexistent/ca.pem"),
        BadSetting(name: "DATABASE_TIMEOUT_SECONDS", value: "ten"),
        BadSetting(name: "STORAGE", value: "ftp"),
        BadSetting(name: "S3_BUCKET", value: "No_Such Bucket", context: s3),
        BadSetting(name: "S3_REGION", value: "US EAST", context: s3),
        BadSetting(name: "S3_ENDPOINT", value: "minio:9000/path", context: s3),
        BadSetting(name: "S3_PATH_STYLE", value: "sideways", context: s3),
        BadSetting(name: "S3_PUBLIC_URL", value: "cdn.example.com", context: s3),
        BadSetting(name: "S3_PRESIGN_SECONDS", value: "soon", context: s3),
        BadSetting(name: "S3_PRESIGN_SECONDS", value: "0", context: s3),
        BadSetting(name: "S3_MULTIPART_THRESHOLD", value: "huge", context: s3),
        BadSetting(name: "AWS_ACCESS_KEY_ID", value: "", context: s3),
        BadSetting(name: "AWS_SECRET_ACCESS_KEY", value: "", context: s3),
        BadSetting(name: "MEDIA_ROOT", value: ""),
        BadSetting(name: "MEDIA_URL", value: ""),
        BadSetting(name: "HOST", value: ""),
        BadSetting(name: "PORT", value: "70000"),
        BadSetting(name: "PORT", value: "eighty"),
        BadSetting(name: "SERVE_STATIC", value: "maybe"),
        BadSetting(name: "SERVE_MEDIA", value: "2"),
        BadSetting(name: "MAX_UPLOAD_BYTES", value: "lots"),
        BadSetting(name: "MAX_UPLOAD_BYTES", value: "0"),
        BadSetting(name: "MAX_CONCURRENT_UPLOADS", value: "0"),
        BadSetting(name: "HEADER_TIMEOUT_SECONDS", value: "-1"),
        BadSetting(name: "BODY_TIMEOUT_SECONDS", value: "forever"),
        BadSetting(name: "METRICS_PORT", value: "0"),
        BadSetting(name: "MAX_PIXELS", value: "0"),
        BadSetting(name: "DISPLAY_SIZE", value: "8"),
        BadSetting(name: "THUMBNAIL_SIZE", value: "big"),
        BadSetting(name: "DISPLAY_QUALITY", value: "101"),
        BadSetting(name: "THUMBNAIL_QUALITY", value: "0"),
        BadSetting(name: "WEBP_DERIVATIVES", value: "sometimes"),
        BadSetting(name: "WORKER_CONCURRENCY", value: "0"),
        BadSetting(name: "JOB_MAX_ATTEMPTS", value: "0"),
        BadSetting(name: "JOB_LEASE_SECONDS", value: "1"),
        BadSetting(name: "SHUTDOWN_GRACE_SECONDS", value: "-5"),
        BadSetting(name: "SWEEP_INTERVAL_SECONDS", value: "soon"),
        BadSetting(name: "TUS_MAX_CHUNK_BYTES", value: "1MB"),
        BadSetting(name: "TUS_MAX_CHUNK_BYTES", value: "chunky"),
        BadSetting(name: "TUS_MAX_CHUNK_BYTES", value: "4MiB"),
        BadSetting(name: "TUS_THRESHOLD", value: "-3"),
        BadSetting(name: "UPLOAD_EXPIRY_HOURS", value: "0"),
        BadSetting(name: "UPLOAD_EXPIRY_HOURS", value: "nan"),
        BadSetting(name: "AUTH_REQUIRED", value: "sometimes"),
        BadSetting(name: "GALLERY_PUBLIC", value: "yes please"),
        BadSetting(name: "BCRYPT_COST", value: "3"),
        BadSetting(name: "RESOURCES_DIR", value: "/nonexistent"),
        BadSetting(name: "CACHE_URL", value: "memcached://cache"),
        BadSetting(name: "CACHE_URL", value: "redis://:secret-pw@cache:port"),
        BadSetting(name: "GALLERY_CACHE_SECONDS", value: "-1"),
        BadSetting(name: "UPLOAD_RATE_PER_MINUTE", value: "many"),
        BadSetting(name: "TRUSTED_PROXIES", value: "10.0.0.1, proxy.internal"),
        BadSetting(name: "TRUSTED_PROXIES", value: "10.0.0.0/99"),
        BadSetting(name: "SHARE_LINKS", value: "public"),
        BadSetting(name: "SHARE_LINK_DEFAULT_EXPIRY", value: "a month"),
        BadSetting(name: "SHARE_LINK_DEFAULT_EXPIRY", value: "0d"),
        BadSetting(name: "SHARE_LINK_DEFAULT_EXPIRY", value: "20000d"),
        BadSetting(name: "LOG_LEVEL", value: "loud"),
        BadSetting(name: "LOG_FORMAT", value: "xml"),
        BadSetting(name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "collector:4318"),
        BadSetting(name: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", value: "ftp://collector/v1/traces"),
        BadSetting(name: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "grpc"),
        BadSetting(name: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", value: "http/json"),
    ]

    /// The problems `environment` gives, on top of what every start needs (the resources folder); none when valid.
    static func problems(_ environment: [String: String]) throws -> [String] {
        let base = ["RESOURCES_DIR": TestWorkspace.repositoryRoot]
        do {
            _ = try Configuration(
                settings: AllOptions.parse([]).settings, environment: base.merging(environment) { $1 })
            return []
        } catch let invalid as Configuration.Invalid {
            #expect(invalid.description == invalid.problems.joined(separator: "\n"))
            return invalid.problems
        }
    }

    @Test("SHARE_LINKS and SHARE_LINK_DEFAULT_EXPIRY: on and never by default; off, and lifetimes in m, h, d, w")
    func sharing() throws {
        let base = ["RESOURCES_DIR": TestWorkspace.repositoryRoot]
        let defaults = try Configuration(settings: AllOptions.parse([]).settings, environment: base)
        #expect(defaults.sharing.enabled && defaults.sharing.defaultExpiry == nil)
        for (text, seconds) in [("30d", 2_592_000), ("12h", 43_200), ("90m", 5_400), ("2w", 1_209_600)]
            as [(String, Int64)]
        {
            let configuration = try Configuration(
                settings: AllOptions.parse([]).settings,
                environment: base.merging(["SHARE_LINKS": "off", "SHARE_LINK_DEFAULT_EXPIRY": text]) { $1 })
            #expect(!configuration.sharing.enabled && configuration.sharing.defaultExpiry == .seconds(seconds))
        }
        let flagged = try Configuration(
            settings: AllOptions.parse(["--share-link-default-expiry", "never"]).settings,
            environment: base.merging(["SHARE_LINK_DEFAULT_EXPIRY": "30d"]) { $1 })
        #expect(flagged.sharing.defaultExpiry == nil)
    }

    @Test("tracing: off without an endpoint; on with one, named by role or OTEL_SERVICE_NAME; OTEL_SDK_DISABLED wins")
    func tracing() throws {
        let base = ["RESOURCES_DIR": TestWorkspace.repositoryRoot]
        func tracing(_ environment: [String: String]) throws -> TracingSettings {
            try Configuration(settings: AllOptions.parse([]).settings, environment: base.merging(environment) { $1 })
                .tracing
        }
        #expect(try !tracing([:]).enabled)
        let on = try tracing(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"])
        #expect(on.enabled && on.serviceName(role: "app serve") == "memories-serve")
        #expect(on.serviceName(role: "app worker") == "memories-worker")
        let named = try tracing(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c/v1/traces", "OTEL_SERVICE_NAME": "x"])
        #expect(named.enabled && named.serviceName(role: "app serve") == "x")
        #expect(try !tracing(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"]).enabled)
    }

    @Test("the defaults need nothing set") func defaults() throws {
        #expect(try Self.problems([:]).isEmpty)
        #expect(try Self.problems(Self.s3).isEmpty)
    }

    @Test("a bad value gives exactly one line, naming the variable and what it expected", arguments: badSettings)
    func oneBadValue(_ bad: BadSetting) throws {
        let problems = try Self.problems(bad.context.merging([bad.name: bad.value]) { $1 })
        #expect(problems.count == 1, "\(problems)")
        let line = try #require(problems.first)
        #expect(line.hasPrefix(bad.name + ": "), "\(line)")
        #expect(line.contains("expected"), "\(line)")
        #expect(!line.contains("\n"))
        #expect(!line.contains("hunter2"), "a password in a URL is never echoed")
        #expect(!line.contains("secret-pw"), "a password in a URL is never echoed")
    }

    @Test("several bad values give one line each, reported together")
    func severalBadValues() throws {
        let bad = [
            "PORT": "eighty", "LOG_LEVEL": "loud", "STORAGE": "ftp", "BCRYPT_COST": "3", "MAX_UPLOAD_BYTES": "lots",
        ]
        let problems = try Self.problems(bad)
        #expect(problems.count == bad.count, "\(problems)")
        for name in bad.keys {
            #expect(problems.filter { $0.hasPrefix(name + ": ") }.count == 1, "\(name) in \(problems)")
        }
    }

    @Test("S3 needs its bucket and credentials, each named on its own line")
    func s3Missing() throws {
        let problems = try Self.problems(["STORAGE": "s3"])
        #expect(
            problems.map { $0.prefix { $0 != ":" } } == ["S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
    }

    @Test("a flag overrides its variable, and is checked the same way")
    func flagOverridesVariable() throws {
        let base = ["RESOURCES_DIR": TestWorkspace.repositoryRoot, "PORT": "9000"]
        let configuration = try Configuration(
            settings: AllOptions.parse(["--port", "9100"]).settings, environment: base)
        #expect(configuration.port == 9100)
        #expect(throws: Configuration.Invalid.self) {
            try Configuration(settings: AllOptions.parse(["--port", "none"]).settings, environment: base)
        }
    }

    @Test("byte sizes are read as the README writes them: TUS_MAX_CHUNK_BYTES=8MiB, MAX_UPLOAD_BYTES=50MB")
    func byteSizesAsDocumented() throws {
        let environment = [
            "RESOURCES_DIR": TestWorkspace.repositoryRoot, "TUS_MAX_CHUNK_BYTES": "8MiB", "MAX_UPLOAD_BYTES": "50MB",
        ]
        let configuration = try Configuration(settings: AllOptions.parse([]).settings, environment: environment)
        #expect(configuration.resumable.maxChunkBytes == 8_388_608)
        #expect(configuration.maxUploadBytes == 50_000_000)
    }

    @Test("app dev refuses to serve other machines with sign-in off unless told so, naming --no-auth")
    func devOnTheNetwork() throws {
        let base = ["RESOURCES_DIR": TestWorkspace.repositoryRoot]
        let open = try AllOptions.parse(["--host", "0.0.0.0"]).settings
        #expect {
            try Configuration(settings: open, environment: base, authRequiredByDefault: false)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("HOST: app dev would serve 0.0.0.0") && text.contains("--no-auth")
                && text.contains("AUTH_REQUIRED=false") && !text.contains("\n")
        }
        let onPurpose = try Configuration(
            settings: open, environment: base.merging(["AUTH_REQUIRED": "false"]) { $1 }, authRequiredByDefault: false)
        #expect(!onPurpose.authRequired)
        #expect(
            try Configuration(settings: AllOptions.parse([]).settings, environment: base, authRequiredByDefault: false)
                .host
                == "127.0.0.1")
        #expect(try Configuration(settings: open, environment: base).authRequired)
    }

    @Test("WEBP_DERIVATIVES turns the WebP twins off")
    func webpDerivatives() throws {
        let base = ["RESOURCES_DIR": TestWorkspace.repositoryRoot]
        #expect(try Configuration(settings: AllOptions.parse([]).settings, environment: base).pipeline.makeWebP)
        let off = base.merging(["WEBP_DERIVATIVES": "false"]) { $1 }
        #expect(try !Configuration(settings: AllOptions.parse([]).settings, environment: off).pipeline.makeWebP)
    }
}
