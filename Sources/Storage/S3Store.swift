import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Media in an S3-compatible bucket (AWS, MinIO, R2, moto), over async-http-client with SigV4 signing:
/// streamed uploads (multipart above a threshold), streamed downloads, presigned or public URLs.
public struct S3Store: MediaStore {
    /// Sent with every object: keys are content hashes, so an object never changes once written.
    public static let cacheControl = "public, max-age=31536000, immutable"

    public let configuration: S3Configuration
    /// Under the system temp dir, never under MEDIA_ROOT: nothing here is meant to outlive a request.
    public let temporaryDirectory: String
    let httpClient: HTTPClient
    let logger: Logger
    let threadPool: NIOThreadPool
    let endpoint: S3Endpoint
    let signer: SigV4Signer
    var retryPolicy: S3RetryPolicy
    /// The clock requests are signed with; injectable so tests can make presigned URLs deterministic or skewed.
    var now: @Sendable () -> Date = { Date() }
    /// Presigned URLs reused for half their lifetime (stable URLs let browsers cache images).
    let presignedURLs = PresignedURLMemo()
    /// Called before each multipart part is sent (tests inject failures here to prove uploads get aborted).
    var partUploadFault: (@Sendable (_ partNumber: Int) async throws -> Void)?

    /// Checks the configuration (throwing `.invalidConfiguration` with every problem) and creates the temp folder.
    /// The `HTTPClient` is shared and owned by the caller, who shuts it down. `temporaryDirectory` overrides where
    /// uploads in flight and downloads wait (default `$TMPDIR/memories-s3`).
    public init(
        configuration: S3Configuration, httpClient: HTTPClient, logger: Logger = Logger(label: "memories.storage.s3"),
        threadPool: NIOThreadPool = .singleton, temporaryDirectory: String? = nil
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        self.threadPool = threadPool
        self.endpoint = configuration.endpoint.flatMap(S3Endpoint.init(parsing:)) ?? .aws(region: configuration.region)
        self.signer = SigV4Signer(
            credentials: SigV4Credentials(
                accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey,
                sessionToken: configuration.sessionToken),
            region: configuration.region, service: "s3")
        self.retryPolicy = S3RetryPolicy(maxAttempts: configuration.maxAttempts)
        self.temporaryDirectory = temporaryDirectory ?? FileManager.default.temporaryDirectory.path + "/memories-s3"
        do {
            try POSIXFile.makeDirectories(self.temporaryDirectory)
        } catch {
            throw StorageError(.unavailable, "cannot create the upload temp folder (\(error))", underlying: error)
        }
    }

    // MARK: MediaStore

    public func put(_ key: MediaKey, movingFile path: String, contentType: String) async throws -> Bool {
        if try await size(of: key) != nil {
            POSIXFile.removeIfPresent(path)
            return false
        }
        let fileSize: Int
        do {
            guard let size = try POSIXFile.size(path) else {
                throw StorageError(.notFound, "the file to upload for \(key) is missing")
            }
            fileSize = size
        } catch let error as POSIXFile.Failure {
            throw StorageError(.unavailable, "cannot read the file to upload (\(error))", underlying: error)
        }
        let region = FileRegion(path: path, offset: 0, length: fileSize)
        if fileSize >= configuration.multipartThreshold {
            try await multipartUpload(key, region: region, contentType: contentType)
        } else {
            let hash = try await hash(region)
            let response = try await execute(
                S3Request(
                    method: .PUT, keyPath: key.path, headers: objectHeaders(contentType), body: .file(region),
                    payloadHash: hash),
                operation: "PutObject")
            try check(response, operation: "PutObject", keyPath: key.path)
        }
        // Only after the object is durable: on failure the caller still has the file to retry or clean up.
        POSIXFile.removeIfPresent(path)
        return true
    }

    public func put(_ key: MediaKey, bytes: [UInt8], contentType: String) async throws {
        let response = try await execute(
            S3Request(method: .PUT, keyPath: key.path, headers: objectHeaders(contentType), body: .bytes(bytes)),
            operation: "PutObject")
        try check(response, operation: "PutObject", keyPath: key.path)
    }

    public func withLocalFile<T: Sendable>(_ key: MediaKey, _ body: @Sendable (String) async throws -> T) async throws
        -> T
    {
        let path = temporaryDirectory + "/" + UUID().uuidString + "." + key.fileExtension
        defer { POSIXFile.removeIfPresent(path) }
        try await download(key, to: path)
        return try await body(path)
    }

    public func size(of key: MediaKey) async throws -> Int? {
        let response = try await execute(S3Request(method: .HEAD, keyPath: key.path), operation: "HeadObject")
        if response.status == .notFound { return nil }
        try check(response, operation: "HeadObject", keyPath: key.path)
        guard let length = response.headers.first(name: "content-length").flatMap(Int.init) else {
            throw StorageError(.unavailable, "the object store answered HeadObject for \(key) without a Content-Length")
        }
        return length
    }

    public func delete(_ key: MediaKey) async throws {
        let response = try await execute(S3Request(method: .DELETE, keyPath: key.path), operation: "DeleteObject")
        if response.status == .notFound, S3XML.value(of: "Code", in: response.text) == "NoSuchKey" { return }
        try check(response, operation: "DeleteObject", keyPath: key.path)
    }

    public func url(for key: MediaKey) -> String {
        if let base = configuration.publicBaseURL {
            return (base.hasSuffix("/") ? base : base + "/") + key.path
        }
        // An original is handed over as a download, never rendered as a page of the bucket's origin.
        let disposition = key.kind == .original ? "attachment" : nil
        return presignedURLs.url(for: key.path, now: now(), lifetime: configuration.presignLifetime) { date in
            presignedURL(for: key, date: date, contentDisposition: disposition)
        }
    }

    /// A cheap authenticated read of the bucket (ListObjectsV2, one key), so bad credentials, a skewed clock,
    /// a wrong region and a missing bucket all surface here with their own message.
    public func checkHealth() async throws {
        let request = S3Request(method: .GET, keyPath: nil, query: [.init("list-type", "2"), .init("max-keys", "1")])
        let response = try await execute(request, operation: "ListObjectsV2")
        try check(response, operation: "ListObjectsV2")
    }

    // MARK: URLs

    /// A presigned GET for `key`, valid for `configuration.presignLifetime` seconds from `date`.
    /// With `contentDisposition`, S3 answers the GET with that `Content-Disposition` (`response-content-disposition`).
    func presignedURL(for key: MediaKey, date: Date, contentDisposition: String? = nil) -> String {
        let (authority, path) = location(of: key)
        let query = contentDisposition.map { [SigV4Signer.Field("response-content-disposition", $0)] } ?? []
        let request = SigV4Signer.Request(
            method: "GET", path: path, query: query, headers: [SigV4Signer.Field("host", authority)],
            payloadHash: SigV4Signer.unsignedPayload)
        let signature = signer.presign(request, date: date, expires: configuration.presignLifetime)
        let prefix = query.map { "\($0.name)=\(SigV4Signer.encodeQueryComponent($0.value))&" }.joined()
        return "\(endpoint.scheme)://\(authority)\(SigV4Signer.encodedPath(path))?\(prefix)\(signature.queryString)"
    }

    /// The origin (`scheme://host[:port]`) media URLs point at, for a page's Content-Security-Policy.
    public var mediaOrigin: String {
        if let base = configuration.publicBaseURL, let url = URL(string: base), let scheme = url.scheme,
            let host = url.host
        {
            return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
        }
        let (authority, _) = location(of: nil)
        return "\(endpoint.scheme)://\(authority)"
    }

    /// The `Host` and decoded path for an object (or the bucket itself when `key` is nil).
    func location(of key: MediaKey?) -> (authority: String, path: String) {
        location(ofKeyPath: key?.path)
    }

    /// Path-style puts the bucket first in the path; virtual-hosted puts it in front of the host name.
    func location(ofKeyPath keyPath: String?) -> (authority: String, path: String) {
        if configuration.pathStyle {
            return (endpoint.authority, "/" + configuration.bucket + (keyPath.map { "/" + $0 } ?? ""))
        }
        return (configuration.bucket + "." + endpoint.authority, "/" + (keyPath ?? ""))
    }

    /// Content type and the immutable cache policy, for every object written.
    func objectHeaders(_ contentType: String) -> [SigV4Signer.Field] {
        [SigV4Signer.Field("Content-Type", contentType), SigV4Signer.Field("Cache-Control", Self.cacheControl)]
    }

    /// Hashes a file region off the event loops, mapping read failures to a storage error.
    func hash(_ region: FileRegion) async throws -> String {
        do {
            return try await region.sha256(threadPool: threadPool)
        } catch let error as POSIXFile.Failure {
            throw StorageError(.unavailable, "cannot read the file to upload (\(error))", underlying: error)
        }
    }
}
