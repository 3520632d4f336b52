import Foundation

/// Where and how `S3Store` keeps media: bucket, endpoint, credentials, URL style and upload tuning.
public struct S3Configuration: Sendable, CustomStringConvertible {
    public static let mebibyte = 1024 * 1024
    /// S3's floor for every multipart part but the last.
    public static let minimumPartSize = 5 * mebibyte
    /// The longest a SigV4 presigned URL may live (7 days).
    public static let maximumPresignLifetime = 604_800

    public var bucket: String
    public var region: String
    /// `http(s)://host[:port]` of an S3-compatible server (MinIO, R2, moto); nil means AWS for `region`.
    public var endpoint: String?
    /// `endpoint/bucket/key` instead of `bucket.endpoint/key` (what most self-hosted servers want).
    public var pathStyle: Bool
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When set, media URLs are `publicBaseURL + key.path` (a CDN or a public bucket) instead of presigned GETs.
    public var publicBaseURL: String?
    /// How long presigned GET URLs stay valid, in seconds.
    public var presignLifetime: Int
    /// Files of at least this many bytes go up as multipart uploads.
    public var multipartThreshold: Int
    /// Bytes per multipart part (at least 5 MiB).
    public var partSize: Int
    /// Parts of one upload in flight at once.
    public var uploadConcurrency: Int
    /// Attempts per request for transient failures (5xx, SlowDown, dropped connections).
    public var maxAttempts: Int
    /// Deadline for one HTTP request, in seconds (a whole part or small-file upload must fit).
    public var requestTimeout: Int

    public init(
        bucket: String, region: String = "us-east-1", endpoint: String? = nil, pathStyle: Bool? = nil,
        accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, publicBaseURL: String? = nil,
        presignLifetime: Int = 3600, multipartThreshold: Int = 16 * 1024 * 1024, partSize: Int = 8 * 1024 * 1024,
        uploadConcurrency: Int = 4, maxAttempts: Int = 4, requestTimeout: Int = 300
    ) {
        self.bucket = bucket
        self.region = region
        self.endpoint = endpoint
        // Self-hosted servers rarely have wildcard DNS for bucket subdomains, so a custom endpoint defaults to paths.
        self.pathStyle = pathStyle ?? (endpoint != nil)
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.publicBaseURL = publicBaseURL
        self.presignLifetime = presignLifetime
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
        self.uploadConcurrency = uploadConcurrency
        self.maxAttempts = maxAttempts
        self.requestTimeout = requestTimeout
    }

    /// Reads `S3_BUCKET`, `S3_REGION`, `S3_ENDPOINT`, `S3_PATH_STYLE`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, `S3_PUBLIC_URL`, `S3_PRESIGN_SECONDS` and `S3_MULTIPART_THRESHOLD`.
    /// Throws one `.invalidConfiguration` error whose message has one line per problem, each naming the variable.
    public static func fromEnvironment(_ env: [String: String]) throws -> S3Configuration {
        var problems: [String] = []
        func value(_ name: String) -> String? {
            guard let raw = env[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        var pathStyle: Bool?
        if let raw = value("S3_PATH_STYLE") {
            switch raw.lowercased() {
            case "1", "true", "yes", "on": pathStyle = true
            case "0", "false", "no", "off": pathStyle = false
            default: problems.append("S3_PATH_STYLE: expected true or false, got \"\(raw)\"")
            }
        }
        var presign = 3600
        if let raw = value("S3_PRESIGN_SECONDS") {
            if let seconds = Int(raw) {
                presign = seconds
            } else {
                problems.append(
                    "S3_PRESIGN_SECONDS: expected whole seconds between 1 and \(maximumPresignLifetime), got \"\(raw)\""
                )
            }
        }
        var threshold = 16 * mebibyte
        if let raw = value("S3_MULTIPART_THRESHOLD") {
            if let bytes = ByteCount.parse(raw) {
                threshold = bytes
            } else {
                problems.append(
                    "S3_MULTIPART_THRESHOLD: expected a byte count such as 16777216 or 16MiB, got \"\(raw)\"")
            }
        }
        let configuration = S3Configuration(
            bucket: value("S3_BUCKET") ?? "", region: value("S3_REGION") ?? "us-east-1", endpoint: value("S3_ENDPOINT"),
            pathStyle: pathStyle, accessKeyID: value("AWS_ACCESS_KEY_ID") ?? "",
            secretAccessKey: value("AWS_SECRET_ACCESS_KEY") ?? "", sessionToken: value("AWS_SESSION_TOKEN"),
            publicBaseURL: value("S3_PUBLIC_URL"), presignLifetime: presign, multipartThreshold: threshold)
        // Values that failed to parse above kept their valid defaults, so each problem is reported once.
        problems += configuration.problems()
        guard problems.isEmpty else {
            throw StorageError(.invalidConfiguration, problems.joined(separator: "\n"))
        }
        return configuration
    }

    /// Throws `.invalidConfiguration` listing every problem, one line each, when the value cannot work.
    public func validate() throws {
        let problems = problems()
        if !problems.isEmpty { throw StorageError(.invalidConfiguration, problems.joined(separator: "\n")) }
    }

    /// Every problem with this configuration, each line naming the environment variable that sets the field.
    public func problems() -> [String] {
        var problems: [String] = []
        if bucket.isEmpty {
            problems.append("S3_BUCKET: expected the bucket name, got nothing")
        } else if !Self.isValidBucketName(bucket) {
            problems.append("S3_BUCKET: expected 3-63 lowercase letters, digits, dots or hyphens, got \"\(bucket)\"")
        }
        if region.isEmpty || !region.utf8.allSatisfy({ Self.isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }) {
            problems.append("S3_REGION: expected a region such as us-east-1, got \"\(region)\"")
        }
        if let endpoint, S3Endpoint(parsing: endpoint) == nil {
            // The value is not echoed: a mistyped endpoint may carry user:password.
            problems.append(
                "S3_ENDPOINT: expected http://host[:port] or https://host[:port] with no path, query or credentials")
        }
        if accessKeyID.isEmpty {
            problems.append("AWS_ACCESS_KEY_ID: expected the access key ID, got nothing")
        }
        if secretAccessKey.isEmpty {
            problems.append("AWS_SECRET_ACCESS_KEY: expected the secret access key, got nothing")
        }
        if let publicBaseURL {
            let lower = publicBaseURL.lowercased()
            if !(lower.hasPrefix("http://") || lower.hasPrefix("https://")) || URL(string: publicBaseURL)?.host == nil {
                problems.append(
                    "S3_PUBLIC_URL: expected an http(s):// URL prefix such as https://cdn.example.com/media/")
            }
        }
        if !(1...Self.maximumPresignLifetime).contains(presignLifetime) {
            problems.append(
                "S3_PRESIGN_SECONDS: expected whole seconds between 1 and \(Self.maximumPresignLifetime), got \(presignLifetime)"
            )
        }
        if multipartThreshold < Self.minimumPartSize {
            problems.append("S3_MULTIPART_THRESHOLD: expected at least 5MiB (5242880 bytes), got \(multipartThreshold)")
        }
        if partSize < Self.minimumPartSize {
            problems.append("partSize: expected at least 5MiB (5242880 bytes), got \(partSize)")
        }
        if uploadConcurrency < 1 {
            problems.append("uploadConcurrency: expected at least 1, got \(uploadConcurrency)")
        }
        if maxAttempts < 1 {
            problems.append("maxAttempts: expected at least 1, got \(maxAttempts)")
        }
        if requestTimeout < 1 {
            problems.append("requestTimeout: expected at least 1 second, got \(requestTimeout)")
        }
        return problems
    }

    /// A one-line summary for `app check` and logs; the secret and the session token are masked.
    public var description: String {
        let key =
            accessKeyID.count > 4 ? String(accessKeyID.prefix(4)) + "…" : (accessKeyID.isEmpty ? "(none)" : "****")
        return "s3(bucket: \(bucket), region: \(region), endpoint: \(endpoint ?? "aws"), "
            + "addressing: \(pathStyle ? "path" : "virtual-host"), accessKeyID: \(key), "
            + "secretAccessKey: \(secretAccessKey.isEmpty ? "(none)" : "****"), "
            + "sessionToken: \(sessionToken == nil ? "(none)" : "****"), "
            + "urls: \(publicBaseURL.map { "public \($0)" } ?? "presigned \(presignLifetime)s"), "
            + "multipart: ≥\(multipartThreshold) bytes in \(partSize)-byte parts ×\(uploadConcurrency))"
    }

    /// S3's bucket naming rules, simplified: 3–63 of `a-z0-9.-`, starting and ending with a letter or digit.
    static func isValidBucketName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count), let first = bytes.first, let last = bytes.last,
            isLowerAlphanumeric(first), isLowerAlphanumeric(last)
        else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
