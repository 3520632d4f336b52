import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import NIOCore
import Testing

/// A guest's fresh browser on a share link: no session, only the cookies the link's pages set (the CSRF cookie, and
/// the link's password cookie once earned), sent back as a browser would.
struct GuestBrowser {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]

    init(_ client: any TestClientProtocol) { self.client = client }

    var cookieHeader: String {
        cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
    }
    var csrf: String { cookies["memories_csrf"] ?? "" }

    /// GETs `uri` (a page unless `accept` says otherwise) and keeps the cookies it sets.
    mutating func get(_ uri: String, accept: String = "text/html", headers extra: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers: HTTPFields = [.accept: accept, .cookie: cookieHeader]
        headers.append(contentsOf: extra)
        let response = try await client.execute(uri: uri, method: .get, headers: headers)
        keep(response)
        return response
    }

    /// GETs `uri` as JSON.
    mutating func getJSON(_ uri: String) async throws -> (TestResponse, [String: Any]) {
        let response = try await get(uri, accept: "application/json")
        return (response, response.json)
    }

    /// Posts a URL-encoded form with the CSRF field, keeping the cookies the answer sets.
    mutating func postForm(_ uri: String, _ fields: [String: String], headers extra: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var all = fields
        all["csrf_token"] = csrf
        let body = all.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }
        .joined(separator: "&")
        var headers: HTTPFields = [
            .contentType: "application/x-www-form-urlencoded", .accept: "text/html", .cookie: cookieHeader,
        ]
        headers.append(contentsOf: extra)
        let response = try await client.execute(
            uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        keep(response)
        return response
    }

    /// Uploads files to the link as its page's uploader does.
    func upload(_ uri: String, _ files: [(String, [UInt8])], accept: String = "application/json") async throws
        -> TestResponse
    {
        let parts =
            [MultipartBody.Part(name: "csrf_token", fileName: nil, contentType: nil, bytes: Array(csrf.utf8))]
            + MultipartBody.files(files).parts
        let body = MultipartBody(parts: parts)
        return try await client.execute(
            uri: uri, method: .post, headers: [.contentType: body.contentType, .accept: accept, .cookie: cookieHeader],
            body: body.buffer)
    }

    private mutating func keep(_ response: TestResponse) {
        for header in response.headers[values: .setCookie] {
            let pair = header.prefix { $0 != ";" }
            guard let equals = pair.firstIndex(of: "=") else { continue }
            cookies[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
    }
}

extension BrowserSession {
    /// Makes a share link by JSON and hands back its `link` object.
    func makeLink(_ path: String, _ fields: [String: Any] = [:]) async throws -> [String: Any] {
        let response = try await sendJSON(path, method: .post, fields)
        #expect(response.status == .created, "\(path): \(response.text)")
        return try #require(response.json["link"] as? [String: Any])
    }
}

extension [String: Any] {
    /// The `/s/<token>` path of a link object.
    var sharePath: String { "/s/" + (self["token"] as? String ?? "") }
}
