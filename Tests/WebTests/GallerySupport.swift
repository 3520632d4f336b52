import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import NIOCore

/// A browser's session in router tests: the CSRF cookie a first page view sets, sent back with every request.
struct BrowserSession {
    let client: any TestClientProtocol
    let token: String

    /// Opens the gallery as a browser does and keeps the `memories_csrf` cookie it sets.
    static func start(_ client: any TestClientProtocol) async throws -> BrowserSession {
        let page = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
        let cookie = page.headers[values: .setCookie].first { $0.hasPrefix("memories_csrf=") } ?? ""
        let token = String(cookie.dropFirst("memories_csrf=".count).prefix { $0 != ";" })
        return BrowserSession(client: client, token: token)
    }

    var cookie: String { "memories_csrf=\(token)" }

    /// Posts an HTML form (URL-encoded) with the CSRF field unless `withToken` is false.
    func postForm(_ uri: String, _ fields: [String: String], withToken: Bool = true) async throws -> TestResponse {
        var all = fields
        if withToken { all["csrf_token"] = token }
        return try await client.postURLEncodedForm(uri, all, cookie: cookie)
    }

    /// Uploads files as the page's form does: the CSRF field and an optional album field beside the files.
    func upload(_ files: [(String, [UInt8])], album: Int64? = nil, accept: String = "application/json") async throws
        -> TestResponse
    {
        var parts = [MultipartBody.Part(name: "csrf_token", fileName: nil, contentType: nil, bytes: Array(token.utf8))]
        if let album {
            parts.append(.init(name: "album", fileName: nil, contentType: nil, bytes: Array(String(album).utf8)))
        }
        parts += MultipartBody.files(files).parts
        let body = MultipartBody(parts: parts)
        return try await client.execute(
            uri: "/photos", method: .post,
            headers: [.contentType: body.contentType, .accept: accept, .cookie: cookie], body: body.buffer)
    }

    func get(_ uri: String, accept: String = "text/html") async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.accept: accept, .cookie: cookie])
    }

    /// Sends a JSON body (none when nil) as the page's script does: `X-CSRF-Token` beside the cookie.
    func sendJSON(_ uri: String, method: HTTPRequest.Method, _ object: Any?) async throws -> TestResponse {
        try await client.sendJSON(uri, method: method, object, cookie: cookie, csrf: token)
    }
}

/// JPEGs with EXIF camera and time-zone tags, which the shared test images do not carry.
enum ExifTestImages {
    /// A JPEG whose EXIF has Make, Model, DateTimeOriginal and OffsetTimeOriginal (little-endian TIFF).
    static func jpeg(make: String, model: String, taken: String, offset: String) throws -> [UInt8] {
        let plain = try TestImages.jpeg(width: 64, height: 48)
        return Array(plain[0..<2]) + exifSegment(make: make, model: model, taken: taken, offset: offset)
            + Array(plain[2...])
    }

    static func exifSegment(make: String, model: String, taken: String, offset: String) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] {
            [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)]
        }
        func ascii(_ t: String) -> [UInt8] { Array(t.utf8) + [0] }
        // Layout: header (8) | IFD0 (3 entries) | Exif IFD (2 entries) | values. Every value is longer than 4 bytes.
        let ifd0 = 8
        let ifd0Size = 2 + 3 * 12 + 4
        let exifIFD = ifd0 + ifd0Size
        let exifSize = 2 + 2 * 12 + 4
        var dataOffset = exifIFD + exifSize
        var data: [UInt8] = []
        func entry(_ tag: Int, _ value: String) -> [UInt8] {
            let bytes = ascii(value)
            defer {
                data += bytes
                dataOffset += bytes.count
            }
            return u16(tag) + u16(2) + u32(bytes.count) + u32(dataOffset)
        }
        var tiff: [UInt8] = [0x49, 0x49] + u16(42) + u32(ifd0)
        tiff +=
            u16(3) + entry(0x010F, make) + entry(0x0110, model) + u16(0x8769) + u16(4) + u32(1) + u32(exifIFD) + u32(0)
        tiff += u16(2) + entry(0x9003, taken) + entry(0x9011, offset) + u32(0)
        tiff += data
        return TestImages.segment(marker: 0xE1, payload: Array("Exif".utf8) + [0, 0] + tiff)
    }
}

extension TestClientProtocol {
    /// Sends a JSON body (none when nil) as the page's scripts do: `X-CSRF-Token` beside the cookies.
    func sendJSON(_ uri: String, method: HTTPRequest.Method, _ object: Any?, cookie: String, csrf: String)
        async throws -> TestResponse
    {
        var headers: HTTPFields = [
            .accept: "application/json", .cookie: cookie, HTTPField.Name("X-CSRF-Token")!: csrf,
        ]
        var body: ByteBuffer?
        if let object {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
        }
        return try await execute(uri: uri, method: method, headers: headers, body: body)
    }

    /// Posts a URL-encoded form as a browser does (`Accept: text/html`), with the given cookie header.
    func postURLEncodedForm(_ uri: String, _ fields: [String: String], cookie: String) async throws -> TestResponse {
        let body = fields.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }
        .joined(separator: "&")
        return try await execute(
            uri: uri, method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded", .accept: "text/html", .cookie: cookie],
            body: ByteBuffer(string: body))
    }
}
