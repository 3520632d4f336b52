#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Serves `/static/...` (SERVE_STATIC=true) from memory: the files under `Public/` are few and small, so each is
/// read once and then answered without a file system round trip or the rest of the middleware chain (Hummingbird's
/// `FileMiddleware` only serves a file after the router has failed to find a route, and reads it on the blocking
/// thread pool every time). A file changed on disk is read again (checked with one `stat` per request).
/// Anything this does not answer itself (ranges, odd paths, large or missing files) goes on to `next`, where
/// Hummingbird's `FileMiddleware` still sits, so behaviour at the edges is unchanged.
struct StaticFileMiddleware<Context: RequestContext>: RouterMiddleware {
    let directory: String
    let urlBasePath: String
    let cacheControl: String
    private let files: StaticFileTable

    /// Files larger than this are left to `FileMiddleware` (streamed from disk).
    static var maxCachedBytes: Int { 1024 * 1024 }

    init(directory: String, urlBasePath: String = "/static", maxAge: Int = 3600) {
        self.directory = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.urlBasePath = urlBasePath
        self.cacheControl = "public, max-age=\(maxAge)"
        self.files = StaticFileTable()
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head, request.headers[.range] == nil,
            let relative = Self.relativePath(request.uri.path, base: urlBasePath),
            let file = files.file(at: directory + "/" + relative, maxBytes: Self.maxCachedBytes)
        else {
            return try await next(request, context)
        }
        var headers = HTTPFields()
        headers.reserveCapacity(8)
        headers[.contentType] = file.contentType
        headers[.eTag] = file.eTag
        headers[.lastModified] = file.lastModified
        headers[.acceptRanges] = "bytes"
        headers[.cacheControl] = cacheControl
        if request.headers[values: .ifNoneMatch].contains(where: { $0 == file.eTag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(file.body.readableBytes)
        if request.method == .head {
            return Response(status: .ok, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: file.body))
    }

    /// The path below `base` when it is a plain one (letters, digits, `-_.`, folders; no `..`, no percent escapes).
    static func relativePath(_ path: Substring, base: String) -> String? {
        guard path.hasPrefix(base + "/") else { return nil }
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

    static func relativePath(_ path: String, base: String) -> String? {
        relativePath(path[...], base: base)
    }
}

/// One file as served: its bytes and the headers that describe them.
struct StaticFile: Sendable {
    let body: ByteBuffer
    let contentType: String
    let eTag: String
    let lastModified: String
    /// What `stat` said when it was read; a change means read it again.
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int
    let size: Int
}

/// The files read so far, by path.
final class StaticFileTable: Sendable {
    private let entries = NIOLockedValueBox([String: StaticFile]())

    /// The file at `path` (read now if it is new or changed), or nil when it is missing, not a regular file or larger
    /// than `maxBytes`.
    func file(at path: String, maxBytes: Int) -> StaticFile? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int(info.st_size) <= maxBytes else {
            return nil
        }
        if let known = entries.withLockedValue({ $0[path] }), known.size == Int(info.st_size),
            known.modifiedSeconds == Int(info.st_mtim.tv_sec), known.modifiedNanoseconds == Int(info.st_mtim.tv_nsec)
        {
            return known
        }
        guard let bytes = FileManager.default.contents(atPath: path), bytes.count <= maxBytes else { return nil }
        let digest = SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined()
        let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
        let file = StaticFile(
            body: ByteBuffer(bytes: bytes), contentType: Self.contentType(path), eTag: "\"\(digest)\"",
            lastModified: HTTPDate.format(modified), modifiedSeconds: Int(info.st_mtim.tv_sec), modifiedNanoseconds: Int(info.st_mtim.tv_nsec), size: bytes.count)
        entries.withLockedValue { $0[path] = file }
        return file
    }

    static func contentType(_ path: String) -> String {
        let fileExtension = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        if let type = MediaType.getMediaType(forExtension: fileExtension) {
            return type.description
        }
        return "application/octet-stream"
    }

}
