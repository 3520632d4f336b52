import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing

/// Albums through the router: create, rename, upload into, list with previews, members, covers, delete, pages.
@Suite("Albums")
struct AlbumTests {
    @Test("create and rename albums from forms; the list shows four previews and the count")
    func createRenameList() async throws {
        try await withTestApp { _, client in
            let browser = try await BrowserSession.start(client)
            let created = try await browser.postForm("/albums", ["name": "Summer 2024"])
            #expect(created.status == .seeOther)
            #expect(created.headers[.location] == "/albums/1")
            for index in 0..<5 {
                let upload = try await browser.upload(
                    [("beach\(index).jpg", try TestImages.jpeg(width: 20 + index, height: 20))], album: 1)
                #expect(upload.status == .created)
            }
            let renamed = try await browser.postForm("/albums/1/rename", ["name": "Summer at the sea"])
            #expect(renamed.status == .seeOther)
            let (_, list) = try await client.getJSON("/albums")
            let albums = try #require(list["albums"] as? [[String: Any]])
            #expect(albums.count == 1)
            #expect(albums[0]["name"] as? String == "Summer at the sea")
            #expect(albums[0]["photo_count"] as? Int == 5)
            #expect((albums[0]["previews"] as? [[String: Any]])?.map { $0["id"] as? Int } == [5, 4, 3, 2])
            let page = try await browser.get("/albums")
            #expect(page.text.contains("Summer at the sea"))
            #expect(page.text.contains("5 photos"))
        }
    }

    @Test("album names are checked: empty, too long and unknown albums get clear errors")
    func badInput() async throws {
        try await withTestApp { _, client in
            let browser = try await BrowserSession.start(client)
            #expect(try await browser.postForm("/albums", ["name": "   "]).status == .badRequest)
            #expect(
                try await browser.postForm("/albums", ["name": String(repeating: "x", count: 201)]).status
                    == .badRequest)
            #expect(try await browser.postForm("/albums/9/rename", ["name": "x"]).status == .notFound)
            let upload = try await browser.upload([("a.jpg", try TestImages.jpeg(width: 16, height: 16))], album: 9)
            #expect(upload.status == .notFound)
            #expect(upload.json["message"] as? String == "There is no album 9 to upload into.")
            let (missing, _) = try await client.getJSON("/albums/9")
            #expect(missing.status == .notFound)
            let (bad, _) = try await client.getJSON("/photos?album=x")
            #expect(bad.status == .badRequest)
        }
    }

    @Test(
        "albums are views: photos stay in the gallery, join several albums, and outlive their album",
        arguments: DatabaseKind.allCases)
    func albumsAreViews(_ database: DatabaseKind) async throws {
        try await withTestApp(database: database) { _, client in
            let browser = try await BrowserSession.start(client)
            _ = try await browser.postForm("/albums", ["name": "Trip"])
            _ = try await browser.postForm("/albums", ["name": "Home"])
            _ = try await browser.upload([("loose.jpg", try TestImages.jpeg(width: 16, height: 16))])
            _ = try await browser.upload([("trip.jpg", try TestImages.jpeg(width: 17, height: 16))], album: 1)
            var gallery = try await browser.get("/")
            #expect(gallery.text.contains("href=\"/photos/1\"") && gallery.text.contains("href=\"/photos/2\""))
            let album = try await browser.get("/albums/1")
            #expect(album.text.contains("href=\"/photos/2?album=1\"") && !album.text.contains("/photos/1?"))

            // From the photo page's form, and by JSON with several ids at once.
            #expect(try await browser.postForm("/photos/2/album", ["album": "2"]).status == .seeOther)
            let added = try await browser.sendJSON("/albums/2/photos", method: .post, ["photos": [1, 2, 99]])
            #expect(added.status == .ok)
            #expect(added.json["added"] as? [Int] == [1] && added.json["missing"] as? [Int] == [99])
            let (_, photo) = try await client.getJSON("/photos/2")
            #expect(photo["albums"] as? [Int] == [1, 2])
            let page = try await browser.get("/photos/2?album=1")
            #expect(page.text.contains("<a href=\"/albums/1\">Trip</a>") && page.text.contains("Back to Trip"))
            #expect(page.text.contains("Use as the cover of Trip"))
            let (_, inHome) = try await client.getJSON("/photos?album=2")
            #expect((inHome["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [2, 1])

            // A cover must be one of the album's photos.
            let cover = try await browser.sendJSON("/albums/2", method: .patch, ["cover": 1])
            #expect(cover.status == .ok && cover.json["cover"] as? Int == 1)
            let notMember = try await browser.sendJSON("/albums/1", method: .patch, ["cover": 1])
            #expect(notMember.status == .conflict)
            let (_, list) = try await client.getJSON("/albums")
            let home = try #require((list["albums"] as? [[String: Any]])?.first { $0["name"] as? String == "Home" })
            #expect((home["previews"] as? [[String: Any]])?.map { $0["id"] as? Int } == [1, 2])

            // Out of one album, the photo is still in the other and in the gallery.
            let removed = try await browser.sendJSON("/albums/1/photos", method: .delete, ["photos": [2]])
            #expect(removed.status == .ok && removed.json["removed"] as? [Int] == [2])
            #expect(try await browser.postForm("/photos/2/album/remove", ["album": "2"]).status == .seeOther)
            let (_, after) = try await client.getJSON("/photos/2")
            #expect(after["albums"] as? [Int] == [])

            // Deleting an album never deletes a photo.
            let deleted = try await browser.sendJSON("/albums/2", method: .delete, nil)
            #expect(deleted.status == .noContent)
            #expect(try await browser.postForm("/albums/1/delete", [:]).status == .seeOther)
            let (_, all) = try await client.getJSON("/photos")
            #expect((all["photos"] as? [[String: Any]])?.count == 2)
            #expect((all["photos"] as? [[String: Any]])?.allSatisfy { ($0["albums"] as? [Int]) == [] } == true)
            gallery = try await browser.get("/")
            #expect(gallery.text.contains("href=\"/photos/2\""))

            // Unknown albums and photos, and malformed bodies, get clear answers.
            #expect(try await browser.postForm("/photos/2/album", ["album": "7"]).status == .notFound)
            #expect(try await browser.postForm("/photos/9/album", ["album": "1"]).status == .notFound)
            #expect(try await browser.sendJSON("/albums/7/photos", method: .post, ["photos": [1]]).status == .notFound)
            #expect(try await browser.sendJSON("/albums/7", method: .delete, nil).status == .notFound)
            _ = try await browser.postForm("/albums", ["name": "Again"])
            for bad: [String: Any] in [["photos": []], ["photos": "1"], ["photos": [0]], ["ids": [1]]] {
                let answer = try await browser.sendJSON("/albums/3/photos", method: .post, bad)
                #expect(answer.status == .badRequest, "\(bad)")
                #expect(answer.json["error"] as? String == "bad_request")
            }
            let tooMany = try await browser.sendJSON(
                "/albums/3/photos", method: .post, ["photos": Array(1...10_001)])
            #expect(tooMany.status == .badRequest)
        }
    }

    @Test("an album downloads as a ZIP of its originals that unzip tools accept")
    func zipDownload() async throws {
        try await withTestApp { _, client in
            let browser = try await BrowserSession.start(client)
            _ = try await browser.postForm("/albums", ["name": "Été à Paris"])
            let files = [
                ("same.jpg", try TestImages.jpeg(width: 30, height: 20)),
                ("same.jpg", try TestImages.jpeg(width: 31, height: 20)),
                ("../../etc/passwd.png", try TestImages.png(width: 12, height: 9)),
            ]
            for file in files { _ = try await browser.upload([file], album: 1) }
            let response = try await browser.get("/albums/1/download", accept: "*/*")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/zip")
            #expect(
                response.headers[.contentDisposition]?.contains("filename*=UTF-8''%C3%89t%C3%A9%20%C3%A0%20Paris.zip")
                    == true)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("album-\(UUID().uuidString).zip")
                .path
            try Data(response.body.readableBytesView).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let listing = try await ZipChecker.entries(of: path)
            #expect(listing.map(\.name) == ["same.jpg", "same (2).jpg", "passwd.png"])
            #expect(listing.map(\.bytes) == files.map { $0.1 })
        }
    }

    @Test("the plain form (no JavaScript) uploads into the chosen album and lands on the album's page")
    func formUploadIntoAlbum() async throws {
        try await withTestApp { _, client in
            let browser = try await BrowserSession.start(client)
            _ = try await browser.postForm("/albums", ["name": "Garden"])
            let gallery = try await browser.get("/")
            #expect(gallery.text.contains("<option value=\"1\">Garden</option>"))
            let posted = try await browser.upload(
                [
                    ("a.jpg", try TestImages.jpeg(width: 16, height: 16)),
                    ("b.jpg", try TestImages.jpeg(width: 17, height: 16)),
                ],
                album: 1, accept: "text/html")
            #expect(posted.status == .seeOther)
            #expect(posted.headers[.location] == "/albums/1")
            let (_, album) = try await client.getJSON("/albums/1")
            #expect((album["photos"] as? [[String: Any]])?.count == 2)
            #expect((album["album"] as? [String: Any])?["name"] as? String == "Garden")
        }
    }

    @Test("gallery and album pages page with a cursor link and the JSON the script loads in place")
    func pagination() async throws {
        try await withTestApp(pageSize: 2) { _, client in
            let browser = try await BrowserSession.start(client)
            _ = try await browser.postForm("/albums", ["name": "Many"])
            for index in 0..<3 {
                _ = try await browser.upload([("g\(index).jpg", try TestImages.jpeg(width: 16 + index, height: 16))])
            }
            for index in 0..<3 {
                _ = try await browser.upload(
                    [("a\(index).jpg", try TestImages.jpeg(width: 30 + index, height: 16))], album: 1)
            }
            // Every photo is in the gallery, albums or not.
            let first = try await browser.get("/")
            #expect(first.text.contains("href=\"/?after=5\" data-load-more=\"/photos?after=5&amp;limit=2\""))
            let third = try await browser.get("/?after=3")
            #expect(third.text.contains("href=\"/photos/1\""))
            #expect(!third.text.contains("data-load-more"))
            let (_, more) = try await client.getJSON("/photos?after=3&limit=2")
            #expect((more["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [2, 1])
            #expect(more["next"] is NSNull)
            let album = try await browser.get("/albums/1")
            #expect(
                album.text.contains(
                    "href=\"/albums/1?after=5\" data-load-more=\"/photos?album=1&amp;after=5&amp;limit=2\""))
            let (_, albumMore) = try await client.getJSON("/albums/1?after=5")
            #expect((albumMore["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [4])
            // The album list pages too.
            for name in ["Two", "Three"] { _ = try await browser.postForm("/albums", ["name": name]) }
            let (_, albums) = try await client.getJSON("/albums")
            #expect((albums["albums"] as? [[String: Any]])?.map { $0["id"] as? Int } == [3, 2])
            #expect(albums["next"] as? Int == 2)
            #expect(try await browser.get("/albums").text.contains("href=\"/albums?after=2\""))
            let (_, older) = try await client.getJSON("/albums?after=2")
            #expect((older["albums"] as? [[String: Any]])?.map { $0["id"] as? Int } == [1] && older["next"] is NSNull)
        }
    }

    @Test("the photo page links to its newer and older neighbours within its album")
    func neighbours() async throws {
        try await withTestApp { _, client in
            let browser = try await BrowserSession.start(client)
            for index in 0..<3 {
                _ = try await browser.upload([("p\(index).jpg", try TestImages.jpeg(width: 16 + index, height: 16))])
            }
            let middle = try await browser.get("/photos/2")
            #expect(middle.text.contains("data-newer-url=\"/photos/3\""))
            #expect(middle.text.contains("data-older-url=\"/photos/1\""))
            let newest = try await browser.get("/photos/3")
            #expect(newest.text.contains("data-newer-url=\"\""))
        }
    }
}

/// Reads a ZIP with Python's zipfile (an independent implementation): names and contents, CRCs checked.
enum ZipChecker {
    struct Entry {
        let name: String
        let bytes: [UInt8]
    }

    static func entries(of path: String) async throws -> [Entry] {
        let script = """
            import sys, zipfile, json, base64
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            print(json.dumps([[i.filename, base64.b64encode(z.read(i)).decode()] for i in z.infolist()]))
            """
        let output = path + ".check.json"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try ChildProcess(
            executable: "/usr/bin/env", arguments: ["python3", "-c", script, path],
            environment: ProcessInfo.processInfo.environment, logPath: output)
        guard try await child.waitForExit(timeout: .seconds(120)) == 0,
            let data = FileManager.default.contents(atPath: output),
            let rows = try JSONSerialization.jsonObject(with: data) as? [[String]]
        else { throw ZipCheckFailed() }
        return rows.map { Entry(name: $0[0], bytes: Array(Data(base64Encoded: $0[1]) ?? Data())) }
    }

    struct ZipCheckFailed: Error {}
}
