import AsyncHTTPClient
import Foundation
import Ingest
import NIOCore
import NIOHTTP1

/// A failure of one request to the server: transient ones (connection, 5xx, 409 busy) are retried, the rest are the
/// server's refusal of the file, with its message.
enum ImportError: Error, CustomStringConvertible {
    case transient(String)
    case refused(String)

    var description: String {
        switch self {
        case .transient(let text), .refused(let text): text
        }
    }
}

/// A small tus 1.0 client for `app import --server`: asks whether a hash is known, creates an upload, sends chunks
/// with their SHA-256, and reads the offset back after an interruption. Every request carries the bearer token.
struct TusClient: Sendable {
    let http: HTTPClient
    /// The server's base URL, without a trailing slash.
    let server: String
    let token: String?

    private func headers() -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Tus-Resumable", value: "1.0.0")
        headers.add(name: "Accept", value: "application/json")
        if let token { headers.add(name: "Authorization", value: "Bearer " + token) }
        return headers
    }

    /// Sends a request and collects its (small) answer, sorting failures into transient and refused.
    private func send(
        _ url: String, _ method: HTTPMethod, headers extra: [(String, String)] = [], body: ByteBuffer? = nil
    )
        async throws -> (HTTPResponseStatus, HTTPHeaders, ByteBuffer)
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers()
        for (name, value) in extra { request.headers.replaceOrAdd(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response: HTTPClientResponse
        let collected: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(120))
            collected = try await response.body.collect(upTo: 1 << 20)
        } catch  where error is CancellationError || (error as? HTTPClientError) == .cancelled {
            throw CancellationError()
        } catch {
            throw ImportError.transient("cannot reach \(server) (\(error))")
        }
        let status = response.status
        if status.code >= 500 || status == .conflict || status == .tooManyRequests {
            throw ImportError.transient("the server answered \(status.code): \(Self.message(collected))")
        }
        return (status, response.headers, collected)
    }

    static func message(_ body: ByteBuffer) -> String {
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        return json?["message"] as? String ?? String(buffer: body).prefix(200).description
    }

    /// Whether a photo with this SHA-256 is already on the server (`GET /photos?hash=`), out of the trash: a
    /// trashed one is uploaded again, which restores it.
    func exists(hash: String) async throws -> Bool {
        let (status, _, body) = try await send(server + "/photos?hash=" + hash, .GET)
        switch status.code {
        case 200:
            let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            return json?["trashed_at"].map { $0 is NSNull } ?? true
        case 404: return false
        default:
            throw ImportError.refused("the server answered \(status.code) to the hash lookup: \(Self.message(body))")
        }
    }

    /// Creates an upload; returns its absolute URL.
    func create(length: Int, name: String, hash: String) async throws -> String {
        let metadata =
            "filename " + Data(name.utf8).base64EncodedString() + ",sha256 " + Data(hash.utf8).base64EncodedString()
        let (status, headers, body) = try await send(
            server + "/uploads", .POST, headers: [("Upload-Length", String(length)), ("Upload-Metadata", metadata)])
        guard status == .created, let location = headers.first(name: "Location") else {
            throw ImportError.refused("the server refused the upload (\(status.code)): \(Self.message(body))")
        }
        return location.hasPrefix("http") ? location : server + location
    }

    /// The upload's offset (`HEAD`), to resume after an interruption.
    func offset(of url: String) async throws -> Int {
        let (status, headers, body) = try await send(url, .HEAD)
        guard status == .ok, let offset = headers.first(name: "Upload-Offset").flatMap(Int.init) else {
            throw ImportError.refused("the upload is gone (\(status.code)): \(Self.message(body))")
        }
        return offset
    }

    /// The answer to one chunk: the new offset, or the finished photo (new or already there).
    enum ChunkResult {
        case accepted(offset: Int)
        case finished(isNew: Bool)
    }

    func patch(_ url: String, offset: Int, chunk: ByteBuffer) async throws -> ChunkResult {
        let digest = Data(ChunkDigest.sha256(chunk)).base64EncodedString()
        let (status, headers, body) = try await send(
            url, .PATCH,
            headers: [
                ("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", String(offset)),
                ("Upload-Checksum", "sha256 " + digest),
            ],
            body: chunk)
        switch status.code {
        case 204:
            return .accepted(
                offset: headers.first(name: "Upload-Offset").flatMap(Int.init) ?? offset + chunk.readableBytes)
        case 201: return .finished(isNew: true)
        case 200: return .finished(isNew: false)
        case 460: throw ImportError.transient("a chunk was corrupted on the way (checksum mismatch)")
        default: throw ImportError.refused("\(status.code): \(Self.message(body))")
        }
    }
}
