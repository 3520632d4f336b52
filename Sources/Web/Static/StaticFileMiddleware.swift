import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Serves `/static/...` (SERVE_STATIC=true) from memory as a router middleware. The answers come from
/// ``StaticFiles``, which the running server also uses ahead of Hummingbird (``StaticFileChannelHandler``); this
/// middleware answers what reaches the router (the test client, requests pipelined behind another one).
/// Anything ``StaticFiles`` does not answer (ranges, odd paths, large or missing files) goes on to `next`, where
/// Hummingbird's `FileMiddleware` still sits, so behaviour at the edges is unchanged.
struct StaticFileMiddleware<Context: RequestContext>: RouterMiddleware {
    let files: StaticFiles

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let answer = files.answer(method: request.method, path: request.uri.path[...], headers: request.headers)
        else {
            return try await next(request, context)
        }
        guard let body = answer.body else { return Response(status: answer.status, headers: answer.headers) }
        return Response(status: answer.status, headers: answer.headers, body: ResponseBody(byteBuffer: body))
    }
}

/// The files under `Public/` as answers to `GET`/`HEAD /static/...`: they are few and small, so each is read once
/// and then answered without a file system round trip (Hummingbird's `FileMiddleware` reads a file on the blocking
/// thread pool every time). A file changed on disk is read again: its `stat` is checked at most once a second.
final class StaticFiles: Sendable {
    let directory: String
    let urlBasePath: String
    let cacheControl: String
    private let table: StaticFileTable

    /// Files larger than this are left to `FileMiddleware` (streamed from disk).
    static var maxCachedBytes: Int { 1024 * 1024 }

    /// A complete answer: `body` is nil for `HEAD` and `304`.
    struct Answer {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer?
    }

    init(directory: String, urlBasePath: String = "/static", maxAge: Int = 3600) {
        self.directory = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.urlBasePath = urlBasePath
        self.cacheControl = "public, max-age=\(maxAge)"
        self.table = StaticFileTable(cacheControl: cacheControl)
    }

    /// The answer to a request for `path` (no query), or nil when it is not one for a cached static file.
    func answer(method: HTTPRequest.Method, path: Substring, headers requestHeaders: HTTPFields) -> Answer? {
        guard method == .get || method == .head, requestHeaders[.range] == nil,
            let relative = Self.relativePath(path, base: urlBasePath),
            let file = table.file(at: directory + "/" + relative, maxBytes: Self.maxCachedBytes)
        else {
            return nil
        }
        if requestHeaders[values: .ifNoneMatch].contains(where: { $0 == file.eTag || $0 == "*" }) {
            return Answer(status: .notModified, headers: file.headers, body: nil)
        }
        var headers = file.headers
        headers[.contentLength] = file.contentLength
        return Answer(status: .ok, headers: headers, body: method == .head ? nil : file.body)
    }

    /// The path below `base` when it is a plain one (letters, digits, `-_.`, folders; no `..`, no percent escapes).
    static func relativePath(_ path: Substring, base: String) -> String? {
        guard path.hasPrefix(base), path.utf8.dropFirst(base.utf8.count).first == UInt8(ascii: "/") else { return nil }
        let relative = path.dropFirst(base.count + 1)
        guard !relative.isEmpty, relative.utf8.count <= 256 else { return nil }
        for component in relative.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty, component.first != "." else { return nil }
            let plain = component.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 45
                    || byte == 95 || byte == 46
            }
            guard plain else { return nil }
        }
        return String(relative)
    }
}

/// One file as served: its bytes and the headers that describe them.
struct StaticFile: Sendable {
    let body: ByteBuffer
    let eTag: String
    /// Content-Type, ETag, Last-Modified, Accept-Ranges and Cache-Control: what a 304 carries.
    let headers: HTTPFields
    let contentLength: String
    /// What `stat` said when it was read; a change means read it again.
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int
    let size: Int
    /// When `stat` last confirmed it (`DispatchTime` nanoseconds).
    var checkedAt: UInt64 = 0
}

/// The files read so far, by path.
final class StaticFileTable: Sendable {
    private let entries = NIOLockedValueBox([String: StaticFile]())
    private let cacheControl: String

    init(cacheControl: String) {
        self.cacheControl = cacheControl
    }

    /// The file at `path` (read now if it is new or changed), or nil when it is missing, not a regular file or larger
    /// than `maxBytes`.
    func file(at path: String, maxBytes: Int) -> StaticFile? {
        let now = DispatchTime.now().uptimeNanoseconds
        if let known = entries.withLockedValue({ $0[path] }), now &- known.checkedAt < Self.recheckInterval {
            return known
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= maxBytes else {
            return nil
        }
        if let known = entries.withLockedValue({ $0[path] }), known.size == Int(info.st_size),
            known.modifiedSeconds == Int(info.st_mtim.tv_sec), known.modifiedNanoseconds == Int(info.st_mtim.tv_nsec)
        {
            var confirmed = known
            confirmed.checkedAt = now
            entries.withLockedValue { $0[path] = confirmed }
            return confirmed
        }
        guard let bytes = FileManager.default.contents(atPath: path), bytes.count <= maxBytes else { return nil }
        let digest = SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined()
        let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
        let eTag = "\"\(digest)\""
        var headers = HTTPFields()
        headers.reserveCapacity(12)
        headers[.contentType] = Self.contentType(path)
        headers[.eTag] = eTag
        headers[.lastModified] = HTTPDate.format(modified)
        headers[.acceptRanges] = "bytes"
        headers[.cacheControl] = cacheControl
        let file = StaticFile(
            body: ByteBuffer(bytes: bytes), eTag: eTag, headers: headers, contentLength: String(bytes.count),
            modifiedSeconds: Int(info.st_mtim.tv_sec), modifiedNanoseconds: Int(info.st_mtim.tv_nsec),
            size: bytes.count,
            checkedAt: now)
        entries.withLockedValue { $0[path] = file }
        return file
    }

    /// How long a file is answered from memory before `stat` checks it again.
    static var recheckInterval: UInt64 { 1_000_000_000 }

    static func contentType(_ path: String) -> String {
        let fileExtension = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return MediaType.getMediaType(forExtension: fileExtension)?.description ?? "application/octet-stream"
    }
}
