import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import NIOCore
import Testing

/// CSRF protection of every state-changing request a browser can send.
@Suite("CSRF protection")
struct CSRFTests {
    @Test("the first page view sets a SameSite cookie and puts the same token into the page's forms")
    func cookieAndField() async throws {
        try await withTestApp { _, client in
            let page = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            let cookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("memories_csrf=") })
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("HttpOnly"))
            #expect(!cookie.contains("Secure"))
            let behindTLS = try await client.execute(
                uri: "/", method: .get, headers: [.accept: "text/html", HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(
                behindTLS.headers[values: .setCookie].first { $0.hasPrefix("memories_csrf=") }?.contains("Secure")
                    == true)
            let browser = try await BrowserSession.start(client)
            #expect(browser.token.count == 64)
            let again = try await browser.get("/")
            #expect(again.headers[values: .setCookie].isEmpty)
            #expect(again.text.contains("name=\"csrf_token\" value=\"\(browser.token)\""))
            #expect(again.text.contains("<meta name=\"csrf-token\" content=\"\(browser.token)\">"))
        }
    }

    @Test("a browser's delete without the token, or with a wrong one, is refused with 403 and deletes nothing")
    func deleteNeedsToken() async throws {
        try await withTestApp { _, client in
            let browser = try await BrowserSession.start(client)
            _ = try await browser.upload([("a.jpg", try TestImages.jpeg(width: 16, height: 16))])
            let missing = try await browser.postForm("/photos/1/delete", [:], withToken: false)
            #expect(missing.status == .forbidden)
            #expect(missing.text.contains("reload the page"))
            let wrong = try await browser.postForm(
                "/photos/1/delete", ["csrf_token": String(repeating: "0", count: 64)], withToken: false)
            #expect(wrong.status == .forbidden)
            let viaFetch = try await client.execute(
                uri: "/photos/1", method: .delete, headers: [.cookie: browser.cookie, .accept: "application/json"])
            #expect(viaFetch.status == .forbidden)
            #expect(viaFetch.json["error"] as? String == "csrf_failed")
            let (still, _) = try await client.getJSON("/photos/1")
            #expect(still.status == .ok)
            let done = try await browser.postForm("/photos/1/delete", [:])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/")
        }
    }

    @Test("the script's header token works for uploads and deletes")
    func headerToken() async throws {
        try await withTestApp { _, client in
            let browser = try await BrowserSession.start(client)
            let body = MultipartBody.files([("a.jpg", try TestImages.jpeg(width: 16, height: 16))])
            let headers: HTTPFields = [
                .contentType: body.contentType, .accept: "application/json", .cookie: browser.cookie,
                HTTPField.Name("X-CSRF-Token")!: browser.token,
            ]
            let upload = try await client.execute(uri: "/photos", method: .post, headers: headers, body: body.buffer)
            #expect(upload.status == .created)
            let noToken = try await client.execute(
                uri: "/photos", method: .post,
                headers: [.contentType: body.contentType, .accept: "application/json", .cookie: browser.cookie],
                body: body.buffer)
            #expect(noToken.status == .forbidden)
            let deleted = try await client.execute(
                uri: "/photos/1", method: .delete,
                headers: [.cookie: browser.cookie, HTTPField.Name("X-CSRF-Token")!: browser.token])
            #expect(deleted.status == .noContent)
        }
    }

    @Test("a cross-site post is refused even without the cookie; API clients without cookies still work")
    func crossSite() async throws {
        try await withTestApp { _, client in
            let body = MultipartBody.files([("a.jpg", try TestImages.jpeg(width: 16, height: 16))])
            let fromElsewhere = try await client.execute(
                uri: "/photos", method: .post,
                headers: [
                    .contentType: body.contentType, .accept: "application/json",
                    HTTPField.Name("Sec-Fetch-Site")!: "cross-site",
                ],
                body: body.buffer)
            #expect(fromElsewhere.status == .forbidden)
            let otherOrigin = try await client.execute(
                uri: "/albums", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .origin: "https://evil.example"],
                body: ByteBuffer(string: "name=x"))
            #expect(otherOrigin.status == .forbidden)
            let curl = try await client.upload(body)
            #expect(curl.status == .created)
            let created = try await client.execute(
                uri: "/albums", method: .post,
                headers: [.contentType: "application/json", .accept: "application/json"],
                body: ByteBuffer(string: #"{"name": "From a script"}"#))
            #expect(created.status == .created)
            #expect(created.json["name"] as? String == "From a script")
        }
    }
}
