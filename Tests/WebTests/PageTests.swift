import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing

/// Pages, the JSON API, media and static files, health: what a browser and a script see.
@Suite("Pages, API and files")
struct PageTests {
    @Test("upload, worker, gallery: the whole path to a ready photo")
    func wholePath() async throws {
        let jpeg = try TestImages.jpeg(width: 1600, height: 1200, orientation: 8)
        try await withTestApp { workspace, client in
            let upload = try await client.upload(.files([("trip.jpg", jpeg)]))
            #expect(upload.status == .created)
            try await workspace.runWorkerUntilIdle()
            let (response, photo) = try await client.getJSON("/photos/1")
            #expect(response.status == .ok)
            #expect(photo["status"] as? String == "ready")
            let urls = try #require(photo["urls"] as? [String: Any])
            let display = try #require(urls["display"] as? String)
            let thumbnail = try #require(urls["thumbnail"] as? String)
            let displayResponse = try await client.execute(uri: display, method: .get)
            #expect(displayResponse.status == .ok)
            #expect(displayResponse.headers[.contentType] == "image/jpeg")
            let decoded = try TestImages.decode(Array(displayResponse.body.readableBytesView))
            #expect(decoded.width == 1280 && decoded.height == 960)
            let thumbnailResponse = try await client.execute(uri: thumbnail, method: .get)
            let small = try TestImages.decode(Array(thumbnailResponse.body.readableBytesView))
            #expect(small.width == 400 && small.height == 300)

            let gallery = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(gallery.status == .ok)
            #expect(gallery.text.contains("href=\"/photos/1\""))
            #expect(gallery.text.contains(thumbnail))
            #expect(gallery.text.contains("srcset="))
            let page = try await client.execute(uri: "/photos/1", method: .get, headers: [.accept: "text/html"])
            #expect(page.text.contains(display))
            #expect(page.text.contains("1600 × 1200"))
            #expect(page.text.contains("5 Jun 2021, 14:03"))
        }
    }

    @Test("names users supplied are HTML-escaped on every page")
    func escaping() async throws {
        let jpeg = try TestImages.jpeg(width: 20, height: 20)
        try await withTestApp { _, client in
            _ = try await client.upload(.files([("<img src=x onerror=alert(1)>.jpg", jpeg)]))
            for uri in ["/", "/photos/1"] {
                let page = try await client.execute(uri: uri, method: .get, headers: [.accept: "text/html"])
                #expect(!page.text.contains("<img src=x"))
                #expect(page.text.contains("&lt;img src=x onerror=alert(1)&gt;.jpg"))
            }
        }
    }

    @Test("GET /photos pages newest first with a cursor")
    func pagination() async throws {
        try await withTestApp { _, client in
            for index in 0..<5 {
                _ = try await client.upload(
                    .files([("p\(index).jpg", try TestImages.jpeg(width: 16 + index, height: 16))]))
            }
            let (_, first) = try await client.getJSON("/photos?limit=2")
            #expect((first["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [5, 4])
            #expect(first["next"] as? Int == 4)
            let (_, second) = try await client.getJSON("/photos?limit=2&after=4")
            #expect((second["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [3, 2])
            let (_, last) = try await client.getJSON("/photos?limit=2&after=2")
            #expect((last["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [1])
            #expect(last["next"] is NSNull)
            let (_, byIDs) = try await client.getJSON("/photos?ids=1,3")
            #expect((byIDs["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [3, 1])
            let (bad, _) = try await client.getJSON("/photos?limit=0")
            #expect(bad.status == .badRequest)
            let (root, rootJSON) = try await client.getJSON("/")
            #expect(root.status == .ok)
            #expect((rootJSON["photos"] as? [[String: Any]])?.count == 5)
        }
    }

    @Test("a missing photo is 404, as JSON or as a page")
    func notFound() async throws {
        try await withTestApp { _, client in
            let (json, body) = try await client.getJSON("/photos/99")
            #expect(json.status == .notFound)
            #expect(body["error"] as? String == "not_found")
            let page = try await client.execute(uri: "/photos/99", method: .get, headers: [.accept: "text/html"])
            #expect(page.status == .notFound)
            #expect(page.text.contains("There is no photo 99."))
            let nowhere = try await client.execute(
                uri: "/nowhere", method: .get, headers: [.accept: "application/json"])
            #expect(nowhere.status == .notFound)
        }
    }

    @Test("a permanent delete removes the row, its jobs and its files")
    func delete() async throws {
        try await withTestApp { workspace, client in
            _ = try await client.upload(.files([("a.jpg", try TestImages.jpeg(width: 600, height: 400))]))
            _ = try await client.upload(.files([("b.jpg", try TestImages.jpeg(width: 30, height: 40))]))
            try await workspace.runWorkerUntilIdle()
            // Each photo: the original, display and thumbnail, and their WebP twins.
            #expect(workspace.mediaFiles().count == 10)
            let deleted = try await client.execute(uri: "/photos/1?permanent=true", method: .delete)
            #expect(deleted.status == .noContent)
            let form = try await client.postURLEncodedForm("/photos/2/delete", ["permanent": "true"], cookie: "")
            #expect(form.status == .seeOther)
            #expect(form.headers[.location] == "/")
            #expect(workspace.mediaFiles().isEmpty)
            #expect(try await workspace.count("photos") == 0)
            #expect(try await workspace.count("jobs") == 0)
            let again = try await client.execute(
                uri: "/photos/1?permanent=true", method: .delete, headers: [.accept: "application/json"])
            #expect(again.status == .notFound)
        }
    }

    @Test("media are served immutable with an ETag; only hash-named media are served")
    func media() async throws {
        let png = try TestImages.png(width: 10, height: 10)
        try await withTestApp { workspace, client in
            let upload = try await client.upload(.files([("m.png", png)]))
            let photo = try #require((upload.json["photos"] as? [[String: Any]])?.first)
            let url = try #require((photo["urls"] as? [String: Any])?["original"] as? String)
            let response = try await client.execute(uri: url, method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "image/png")
            #expect(response.headers[.cacheControl]?.contains("immutable") == true)
            #expect(response.headers[.cacheControl]?.contains("max-age=31536000") == true)
            #expect(response.headers[.xContentTypeOptions] == "nosniff")
            #expect(Array(response.body.readableBytesView) == png)
            let etag = try #require(response.headers[.eTag])
            let cached = try await client.execute(uri: url, method: .get, headers: [.ifNoneMatch: etag])
            #expect(cached.status == .notModified)
            try Data("secret".utf8).write(to: URL(fileURLWithPath: workspace.store.root + "/.tmp/upload-x.part"))
            for path in [
                "/media/.tmp/upload-x.part", "/media/original/../.tmp/upload-x.part", "/media/original/abc.jpg",
            ] {
                let refused = try await client.execute(uri: path, method: .get, headers: [.accept: "application/json"])
                #expect(refused.status == .notFound || refused.status == .badRequest, "\(path)")
            }
        }
    }

    @Test("static files are served with their type and cache headers")
    func staticFiles() async throws {
        try await withTestApp { _, client in
            let css = try await client.execute(uri: "/static/css/app.css", method: .get)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType]?.hasPrefix("text/css") == true)
            #expect(css.headers[.eTag] != nil)
            #expect(css.headers[.cacheControl] != nil)
            let js = try await client.execute(uri: "/static/js/app.js", method: .get)
            #expect(js.headers[.contentType]?.contains("javascript") == true)
        }
    }

    @Test("health, readiness and metrics")
    func health() async throws {
        try await withTestApp { workspace, client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            _ = try await client.upload(.files([("m.jpg", try TestImages.jpeg(width: 10, height: 10))]))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("memories_uploads_total"))
            // A schema behind this build (as after a deploy that skipped `app migrate`) is not ready.
            _ = try await workspace.database.write { connection in
                try await connection.query("DELETE FROM schema_migrations")
            }
            let notReady = try await client.execute(uri: "/readyz", method: .get)
            #expect(notReady.status == .serviceUnavailable)
            #expect(notReady.text.contains("app migrate"))
        }
    }
}
