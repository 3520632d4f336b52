import AsyncHTTPClient
import Composition
import Crypto
import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MemoriesTestSupport
import NIOCore
import Testing
import Web

@testable import Storage

/// Which store a tus test runs against.
enum TusStorage: String, CaseIterable, Sendable, CustomStringConvertible {
    case local, s3
    var description: String { rawValue }
}

/// The real router with resumable uploads on, over the chosen database and store, and handles to look behind it.
struct TusHarness: Sendable {
    let client: any TestClientProtocol
    let workspace: TestWorkspace
    let uploads: any UploadRepository
    let photos: any PhotoRepository
    let store: any ResumableUploadStore & MediaStore
    /// Runs one SQL statement on the app's database (moving an upload's expiry into the past).
    let sql: @Sendable (String) async throws -> Void
    /// Counts the rows of a table in the app's database.
    let count: @Sendable (String) async throws -> Int

    /// Files under the local staging folder (resumable uploads in progress).
    var stagedFiles: [String] { workspace.mediaFiles().filter { $0.hasPrefix(".tmp/resumable/") } }

    /// The multipart uploads still open in the bucket (S3 only).
    func openMultipartUploads() async throws -> [String] {
        guard let s3 = store as? S3Store else { return [] }
        return try await s3.listMultipartUploads()
    }
}

/// Builds the app through the composition root over `database` and `storage`; prints "skipped" and returns when a
/// service is not configured.
func withTusApp(
    _ database: DatabaseKind, _ storage: TusStorage, maxChunkBytes: Int = 6 * 1024 * 1024,
    _ body: @escaping @Sendable (TusHarness) async throws -> Void
) async throws {
    var httpClient: HTTPClient?
    var s3: S3Store?
    if storage == .s3 {
        guard let endpoint = S3UploadTests.endpoint else {
            print("skipped: MEMORIES_TEST_S3_ENDPOINT not set (scripts/test starts moto)")
            return
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        httpClient = client
        do {
            s3 = try await S3UploadTests.makeStore(endpoint: endpoint, client: client)
        } catch {
            // A client must be shut down before it goes away, also when the bucket cannot be made.
            try? await client.shutdown()
            throw error
        }
    }
    let s3Store = s3
    do {
        try await withWorkspace(store: s3Store) { workspace in
            var configuration = try Configuration.test(root: workspace.root, auth: AuthConfiguration())
            configuration.resumable.maxChunkBytes = maxChunkBytes
            configuration.resumable.expiry = 3600
            try await database.with(configuration, workspace: workspace) { configuration, sql in
                try await withWebApp(configuration, logger: workspace.logger, overrides: Overrides(store: s3Store)) {
                    runtime, client in
                    let store = try #require(runtime.store as? any ResumableUploadStore & MediaStore)
                    try await body(
                        TusHarness(
                            client: client, workspace: workspace, uploads: runtime.database.uploads,
                            photos: runtime.photos, store: store, sql: sql.execute, count: sql.count))
                }
            }
        }
    } catch {
        try? await httpClient?.shutdown()
        throw error
    }
    try? await httpClient?.shutdown()
}

/// tus requests as a client sends them.
extension TestClientProtocol {
    func tus(
        _ uri: String, _ method: HTTPRequest.Method, headers: [String: String] = [:], body: [UInt8]? = nil
    ) async throws -> TestResponse {
        var fields: HTTPFields = [HTTPField.Name("Tus-Resumable")!: "1.0.0"]
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        if body != nil, fields[.contentType] == nil { fields[.contentType] = "application/offset+octet-stream" }
        return try await execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(bytes: $0) })
    }

    /// Creates an upload of `length` bytes named `name`; returns its path (`/uploads/<id>`).
    func createUpload(length: Int, name: String = "photo.jpg", extra: String? = nil) async throws -> String {
        var metadata = "filename " + Data(name.utf8).base64EncodedString()
        if let extra { metadata += "," + extra }
        let response = try await tus(
            "/uploads", .post, headers: ["Upload-Length": String(length), "Upload-Metadata": metadata])
        guard response.status == .created, let location = response.headers[.location] else {
            throw TusTestError("POST /uploads answered \(response.status): \(response.text)")
        }
        return location
    }

    /// Sends `bytes` from `offset` on in chunks of `chunk` bytes, each with its SHA-256; returns the last answer.
    func sendChunks(_ path: String, _ bytes: [UInt8], from offset: Int = 0, chunk: Int) async throws -> TestResponse {
        var at = offset
        var last: TestResponse?
        while at < bytes.count {
            let piece = Array(bytes[at..<min(bytes.count, at + chunk)])
            let response = try await tus(
                path, .patch,
                headers: ["Upload-Offset": String(at), "Upload-Checksum": "sha256 " + sha256Base64(piece)],
                body: piece)
            guard response.status == .noContent || response.status == .created || response.status == .ok else {
                throw TusTestError("PATCH at \(at) answered \(response.status): \(response.text)")
            }
            last = response
            at += piece.count
        }
        return last!
    }
}

func sha256Base64(_ bytes: [UInt8]) -> String { Data(SHA256.hash(data: bytes)).base64EncodedString() }
func sha256Hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

struct TusTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A JPEG padded with `padding` bytes after its end (decoders ignore them): a large file with a real header.
func paddedJPEG(width: Int = 64, height: Int = 48, padding: Int, seed: UInt8 = 0) throws -> [UInt8] {
    var bytes = try TestImages.jpeg(width: width, height: height)
    bytes.append(seed)
    bytes += [UInt8](repeating: 0xA5, count: padding)
    return bytes
}
