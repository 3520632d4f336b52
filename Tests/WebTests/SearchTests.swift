import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing

/// Search through the router (`GET /photos?q=…&from=…&to=…&album=…` and the `/search` page): names, cameras and
/// album names, by word prefix, case and accents aside, every word ANDed, within dates and an album, paged by the
/// gallery's cursor, with the index kept in step with renames, memberships and deletions, on both databases.
@Suite("Search")
struct SearchTests {
    /// Four photos, newest last: 1 and 2 in 2019 (Canon, Nikon), 3 in 2023, 4 in 2020 (two iPhones).
    static let photos: [(name: String, make: String, model: String, taken: String)] = [
        ("IMG_0001.JPG", "Canon", "Canon EOS 400D", "2019:07:14 12:00:00"),
        ("DSC_0002.JPG", "NIKON CORPORATION", "NIKON D90", "2019:08:01 09:30:00"),
        ("Crème brûlée.jpg", "Apple", "iPhone 12", "2023:05:05 20:15:00"),
        ("holiday.jpg", "Apple", "iPhone 6", "2020:01:01 00:10:00"),
    ]

    /// Uploads `photos` in order and puts photo 2 in album 1, "Italy 2019".
    static func setUp(_ browser: BrowserSession) async throws {
        for photo in photos {
            let jpeg = try ExifTestImages.jpeg(
                make: photo.make, model: photo.model, taken: photo.taken, offset: "+00:00")
            #expect(try await browser.upload([(photo.name, jpeg)]).status == .created)
        }
        #expect(try await browser.postForm("/albums", ["name": "Italy 2019"]).status == .seeOther)
        #expect(try await browser.sendJSON("/albums/1/photos", method: .post, ["photos": [2]]).status == .ok)
    }

    static func ids(_ client: any TestClientProtocol, _ query: String) async throws -> [Int] {
        let (answer, json) = try await client.getJSON("/photos?" + query)
        #expect(answer.status == .ok, "\(query)")
        return TimelineTests.ids(json)
    }

    @Test(
        "words match names, cameras and album names, by prefix, in any case and accent",
        arguments: DatabaseKind.allCases)
    func matching(_ database: DatabaseKind) async throws {
        try await withTestApp(database: database) { _, client in
            let browser = try await BrowserSession.start(client)
            try await Self.setUp(browser)
            let expected: [(String, [Int])] = [
                ("q=img", [1]), ("q=IMG_0001.JPG", [1]), ("q=0002", [2]), ("q=canon", [1]), ("q=cano", [1]),
                ("q=CaNoN", [1]), ("q=nikon%20d90", [2]), ("q=d90%20nikon", [2]), ("q=iphone", [3, 4]),
                ("q=iphone%2012", [3]), ("q=iphone%20canon", []), ("q=creme", [3]), ("q=CR%C3%88ME%20br", [3]),
                ("q=italy", [2]), ("q=ital%202019", [2]), ("q=eos%20400", [1]), ("q=nothing", []),
                // Filters alone, and with words: days taken (inclusive), an album.
                ("from=2020-01-01", [3, 4]), ("to=2019-12-31", [2, 1]), ("from=2019-07-14&to=2019-07-14", [1]),
                ("q=iphone&from=2023-01-01", [3]), ("q=apple&to=2020-01-01", [4]), ("album=1", [2]),
                ("q=nikon&album=1", [2]), ("q=canon&album=1", []),
                ("q=nikon&album=1&from=2019-08-01&to=2019-08-01", [2]), ("q=nikon&album=1&from=2019-08-02", []),
                ("q=%20%21%20", [3, 4, 2, 1]),
            ]
            for (query, wanted) in expected {
                #expect(try await Self.ids(client, query) == wanted, "\(query)")
            }

            // Pages of one, by the gallery's cursor, in the gallery's order.
            let (_, first) = try await client.getJSON("/photos?q=jpg&limit=1")
            #expect(TimelineTests.ids(first) == [3] && first["next"] as? Int == 3)
            let (_, second) = try await client.getJSON("/photos?q=jpg&limit=1&after=3")
            #expect(TimelineTests.ids(second) == [4] && second["next"] as? Int == 4)
            #expect(try await Self.ids(client, "q=jpg&limit=2&after=4") == [2, 1])
            let shaped = try #require((first["photos"] as? [[String: Any]])?.first)
            #expect(shaped["original_name"] as? String == "Crème brûlée.jpg" && shaped["albums"] is [Int])
        }
    }

    @Test("the index follows renames, memberships, dates and deletions", arguments: DatabaseKind.allCases)
    func keptInStep(_ database: DatabaseKind) async throws {
        try await withTestApp(database: database) { _, client in
            let browser = try await BrowserSession.start(client)
            try await Self.setUp(browser)
            #expect(try await browser.postForm("/albums/1/rename", ["name": "Toscana"]).status == .seeOther)
            #expect(try await Self.ids(client, "q=italy") == [])
            #expect(try await Self.ids(client, "q=toscana") == [2])
            #expect(try await browser.sendJSON("/albums/1/photos", method: .post, ["photos": [3]]).status == .ok)
            #expect(try await Self.ids(client, "q=toscana") == [3, 2])
            #expect(try await Self.ids(client, "q=toscana&album=1") == [3, 2])
            #expect(try await browser.sendJSON("/albums/1/photos", method: .delete, ["photos": [2]]).status == .ok)
            #expect(try await Self.ids(client, "q=toscana") == [3])
            #expect(try await Self.ids(client, "q=nikon&album=1") == [])

            // A corrected date moves the photo in the index too.
            let patched = try await browser.sendJSON(
                "/photos/1", method: .patch, ["taken_at": "2024-02-29T10:00:00+00:00"])
            #expect(patched.status == .ok)
            #expect(try await Self.ids(client, "q=jpg") == [1, 3, 4, 2])
            #expect(try await Self.ids(client, "q=canon&from=2024-02-29&to=2024-02-29") == [1])
            #expect(try await Self.ids(client, "q=canon&to=2023-12-31") == [])

            #expect(try await browser.sendJSON("/photos/3", method: .delete, nil).status.code < 300)
            #expect(try await Self.ids(client, "q=toscana") == [])
            #expect(try await Self.ids(client, "q=iphone") == [4])
            // DELETE moved it to the trash, out of every search; restored it is back, purged it is gone.
            #expect(try await browser.sendJSON("/photos/3/restore", method: .post, nil).status.code < 300)
            #expect(try await Self.ids(client, "q=iphone") == [3, 4])
            #expect(try await Self.ids(client, "q=toscana&album=1") == [3])
            #expect(try await browser.sendJSON("/photos/3?permanent=true", method: .delete, nil).status.code < 300)
            #expect(try await Self.ids(client, "q=iphone") == [4])
            #expect(try await browser.sendJSON("/albums/1/photos", method: .post, ["photos": [4]]).status == .ok)
            #expect(try await Self.ids(client, "q=toscana") == [4])
            #expect(try await browser.sendJSON("/albums/1", method: .delete, nil).status.code < 300)
            #expect(try await Self.ids(client, "q=toscana") == [])
            #expect(try await Self.ids(client, "q=holiday") == [4])
        }
    }

    @Test("bad filters get a 400 or 404 saying what was expected", arguments: DatabaseKind.allCases)
    func badInput(_ database: DatabaseKind) async throws {
        try await withTestApp(database: database) { _, client in
            let browser = try await BrowserSession.start(client)
            try await Self.setUp(browser)
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("from=2019-13-01", .badRequest, "YYYY-MM-DD"), ("from=2019-02-30", .badRequest, "YYYY-MM-DD"),
                ("to=14.07.2019", .badRequest, "YYYY-MM-DD"), ("from=2019-7-14", .badRequest, "YYYY-MM-DD"),
                ("from=2020-01-02&to=2020-01-01", .badRequest, "must not be after"),
                ("q=" + String(repeating: "a", count: 201), .badRequest, "at most 200 characters"),
                ("q=" + (1...11).map { "w\($0)" }.joined(separator: "%20"), .badRequest, "at most 10 words"),
                ("album=99", .notFound, "no album 99"), ("q=img&album=x", .badRequest, "album id"),
            ]
            for (query, status, message) in cases {
                let (answer, json) = try await client.getJSON("/photos?" + query)
                #expect(answer.status == status, "\(query)")
                #expect(json["error"] is String, "\(query)")
                #expect((json["message"] as? String)?.contains(message) == true, "\(query): \(json)")
            }
            let page = try await browser.get("/search?from=yesterday")
            #expect(page.status == .badRequest && page.text.contains("YYYY-MM-DD"))
        }
    }

    @Test(
        "the search page keeps its filters and lists the matches as the gallery's grid",
        arguments: DatabaseKind.allCases)
    func page(_ database: DatabaseKind) async throws {
        try await withTestApp(pageSize: 1, database: database) { _, client in
            let browser = try await BrowserSession.start(client)
            try await Self.setUp(browser)
            let empty = try await browser.get("/search")
            #expect(empty.status == .ok && empty.text.contains("name=\"q\"") && !empty.text.contains("data-grid"))
            #expect(empty.text.contains("<a href=\"/search\" aria-current=\"page\">Search</a>"))
            let found = try await browser.get("/search?q=iphone&from=2020-01-01&album=")
            #expect(found.text.contains("value=\"iphone\"") && found.text.contains("value=\"2020-01-01\""))
            #expect(found.text.contains("href=\"/photos/3\"") && !found.text.contains("href=\"/photos/4\""))
            #expect(found.text.contains("<h2>May 2023</h2>"))
            #expect(
                found.text.contains(
                    "href=\"/search?q=iphone&amp;from=2020-01-01&amp;after=3\" data-load-more=\"/photos?q=iphone&amp;from=2020-01-01&amp;after=3&amp;limit=1\""
                ))
            let older = try await browser.get("/search?q=iphone&from=2020-01-01&after=3")
            #expect(older.text.contains("href=\"/photos/4\"") && !older.text.contains("data-load-more"))
            let inAlbum = try await browser.get("/search?album=1")
            #expect(inAlbum.text.contains("<option value=\"1\" selected>Italy 2019</option>"))
            #expect(inAlbum.text.contains("href=\"/photos/2?album=1\""))
            let none = try await browser.get("/search?q=zebra")
            #expect(none.text.contains("data-no-results"))
            let (_, json) = try await client.getJSON("/search?q=canon")
            #expect(TimelineTests.ids(json) == [1])
        }
    }
}
