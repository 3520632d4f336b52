import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing

@testable import Web

#if canImport(Glibc)
    import Glibc
#endif

/// The running server answers `/static/...` on the connection itself (`StaticFileChannelHandler`), ahead of the
/// router: these requests go over a real socket, and the answers must be the router's to the byte.
@Suite("Static files on the connection")
struct StaticFastPathTests {
    /// Differ per answer, or are added by the running server only (the router test client has no `Server`).
    static let varying: Set<HTTPField.Name> = [.date, .server, HTTPField.Name("X-Request-ID")!]

    @Test("the fast path answers with the router's headers and bytes")
    func sameAsTheRouter() async throws {
        let css = try Data(contentsOf: URL(fileURLWithPath: TestWorkspace.repositoryRoot + "/Public/css/app.css"))
        let (routed, routedHeaders) = try await Self.get("/static/css/app.css", setup: .router)
        let (live, liveHeaders) = try await Self.get("/static/css/app.css?v=2", setup: .live)
        #expect(routed == css)
        #expect(live == css)
        #expect(
            liveHeaders.filter { !Self.varying.contains($0.name) }
                == routedHeaders.filter { !Self.varying.contains($0.name) })
        #expect(liveHeaders[.server] == "Memories")
        #expect(liveHeaders[.date] != nil)
        #expect(liveHeaders[HTTPField.Name("X-Request-ID")!]?.count == 36)
    }

    @Test("conditional, HEAD, range and other methods")
    func edges() async throws {
        try await withTestApp(setup: .live) { _, client in
            let first = try await client.execute(uri: "/static/js/app.js", method: .get)
            let eTag = try #require(first.headers[.eTag])
            let notModified = try await client.execute(
                uri: "/static/js/app.js", method: .get,
                headers: [.ifNoneMatch: eTag, HTTPField.Name("X-Request-ID")!: "abc-1"])
            #expect(notModified.status == .notModified)
            #expect(notModified.body.readableBytes == 0)
            #expect(notModified.headers[.eTag] == eTag)
            #expect(notModified.headers[HTTPField.Name("X-Request-ID")!] == "abc-1")
            let head = try await client.execute(uri: "/static/js/app.js", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == String(first.body.readableBytes))
            #expect(head.body.readableBytes == 0)
            let range = try await client.execute(uri: "/static/js/app.js", method: .get, headers: [.range: "bytes=0-9"])
            #expect(range.status == .partialContent)
            #expect(range.body.readableBytes == 10)
            let post = try await client.execute(
                uri: "/static/js/app.js", method: .post, headers: [.accept: "application/json"])
            #expect(post.status == .notFound || post.status == .forbidden)
            let missing = try await client.execute(uri: "/static/js/nothing.js", method: .get)
            #expect(missing.status == .notFound)
            let escape = try await client.execute(uri: "/static/../Package.swift", method: .get)
            #expect(escape.status == .notFound || escape.status == .badRequest)
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains("memories_http_requests_total{route=\"/static/*\",method=\"GET\",status=\"200\"}"))
            #expect(metrics.contains("memories_http_requests_total{route=\"/static/*\",method=\"GET\",status=\"304\"}"))
        }
    }

    @Test("pipelined requests are answered in order, static ones behind others included")
    func pipelinedInOrder() async throws {
        try await withTestApp(setup: .live) { _, client in
            let port = try #require(client.port)
            let requests = [
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /static/css/app.css HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /photos?limit=1 HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n\r\n",
                "GET /static/js/app.js HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            ].joined()
            let answer = try RawHTTP.exchange(port: port, sending: requests)
            let types = RawHTTP.contentTypes(answer)
            #expect(types.count == 5, "\(types)")
            #expect(
                types.count == 5 && types[1].hasPrefix("text/css") && types[3].hasPrefix("text/javascript"), "\(types)")
            #expect(
                types.count == 5 && !types[0].hasPrefix("text/css") && !types[2].hasPrefix("text/css")
                    && !types[4].hasPrefix("text/"), "\(types)")
        }
    }

    static func get(_ uri: String, setup: TestingSetup) async throws -> (Data, HTTPFields) {
        let result = ResultBox()
        try await withTestApp(setup: setup) { _, client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .ok)
            result.set(Data(buffer: response.body), response.headers)
        }
        return try #require(result.value)
    }
}

private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (Data, HTTPFields)?
    var value: (Data, HTTPFields)? { lock.withLock { stored } }
    func set(_ data: Data, _ headers: HTTPFields) { lock.withLock { stored = (data, headers) } }
}

/// A bare HTTP/1.1 exchange over a socket: what a pipelining client sends in one write, read until the server closes.
enum RawHTTP {
    struct Failure: Error { let what: String }

    static func exchange(port: Int, sending text: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(what: "socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(what: "connect") }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else {
            throw Failure(what: "send")
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// The Content-Type of each answer, in order ("" for none).
    static func contentTypes(_ answer: String) -> [String] {
        answer.components(separatedBy: "HTTP/1.1 ").dropFirst().map { response in
            let head = response.components(separatedBy: "\r\n\r\n").first ?? ""
            let line = head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-type:") }
            return line.map { String($0.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
        }
    }
}
