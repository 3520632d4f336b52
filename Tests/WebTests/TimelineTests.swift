import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing

/// The timeline through the router: the gallery by the date photos were taken, month by month, with its JSON
/// buckets, month pages and date corrections, on both databases.
@Suite("Timeline")
struct TimelineTests {
    /// 31 July at 23:30 in New York is 1 August in UTC; 1 August at 01:00 in Paris is still 31 July in UTC: the
    /// second was taken first.
    static let photos: [(name: String, taken: String, offset: String)] = [
        ("new-york.jpg", "2019:07:31 23:30:00", "-05:00"), ("paris.jpg", "2019:08:01 01:00:00", "+02:00"),
        ("sunset.jpg", "2023:08:14 18:42:07", "+02:00"),
    ]

    /// Uploads `photos` in order, as the page does; each must be new.
    static func uploadPhotos(_ browser: BrowserSession) async throws {
        for photo in photos {
            let jpeg = try ExifTestImages.jpeg(make: "Canon", model: "EOS", taken: photo.taken, offset: photo.offset)
            #expect(try await browser.upload([(photo.name, jpeg)]).status == .created)
        }
    }

    static func ids(_ json: [String: Any]) -> [Int] {
        (json["photos"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } ?? []
    }

    @Test(
        "photos come out in the order they were taken, across a midnight and a time zone",
        arguments: DatabaseKind.allCases)
    func order(_ database: DatabaseKind) async throws {
        try await withTestApp(database: database) { _, client in
            let browser = try await BrowserSession.start(client)
            try await Self.uploadPhotos(browser)
            #expect(
                try await browser.upload([("scan.jpg", try TestImages.jpeg(width: 20, height: 20))]).status == .created)
            let (_, list) = try await client.getJSON("/photos")
            #expect(Self.ids(list) == [4, 3, 1, 2])
            let (_, timeline) = try await client.getJSON("/timeline")
            let thisMonth = String(ISO8601DateFormatter().string(from: Date()).prefix(7))
            let buckets = try #require(timeline["buckets"] as? [[String: Any]])
            #expect(buckets.map { $0["month"] as? String } == [thisMonth, "2023-08", "2019-08", "2019-07"])
            #expect(buckets.map { $0["count"] as? Int } == [1, 1, 1, 1])
            let (_, july) = try await client.getJSON("/photos?month=2019-07")
            #expect(Self.ids(july) == [2])
            let (_, firstOfTwo) = try await client.getJSON("/photos?limit=2")
            #expect(Self.ids(firstOfTwo) == [4, 3] && firstOfTwo["next"] as? Int == 3)
            let (_, secondOfTwo) = try await client.getJSON("/photos?limit=2&after=3")
            #expect(Self.ids(secondOfTwo) == [1, 2] && secondOfTwo["next"] is NSNull)
            #expect(try await browser.get("/?from=2019").status == .badRequest)
            for bad in ["/photos?month=2019-13", "/photos?month=July", "/photos?month=2019-7"] {
                let (answer, json) = try await client.getJSON(bad)
                #expect(answer.status == .badRequest, "\(bad)")
                #expect((json["message"] as? String)?.contains("YYYY-MM") == true, "\(bad)")
            }

            // The page: a heading per month in order, and the years to jump to.
            let gallery = try await browser.get("/").text
            let headings = ["August 2023", "August 2019", "July 2019"].map { gallery.range(of: "<h2>\($0)</h2>") }
            #expect(headings.allSatisfy { $0 != nil })
            #expect(zip(headings, headings.dropFirst()).allSatisfy { $0!.lowerBound < $1!.lowerBound })
            #expect(gallery.contains("href=\"/?from=2023-08\"") && gallery.contains("href=\"/?from=2019-08\""))
            let jumped = try await browser.get("/?from=2019-08").text
            #expect(jumped.contains("href=\"/photos/1\"") && !jumped.contains("href=\"/photos/3\""))
        }
    }

    @Test(
        "the owner corrects a date by JSON or the page's form, and the timeline follows",
        arguments: DatabaseKind.allCases)
    func correctDate(_ database: DatabaseKind) async throws {
        try await withTestApp(database: database) { _, client in
            let browser = try await BrowserSession.start(client)
            try await Self.uploadPhotos(browser)
            let patched = try await browser.sendJSON(
                "/photos/2", method: .patch, ["taken_at": "2024-02-29T10:00:00+01:00"])
            #expect(patched.status == .ok)
            #expect(patched.json["taken_at"] as? String == "2024-02-29T09:00:00.000Z")
            #expect(patched.json["taken_at_source"] as? String == "exif")
            #expect(patched.json["captured_offset"] as? String == "+01:00")
            let (_, list) = try await client.getJSON("/photos")
            #expect(Self.ids(list) == [2, 3, 1])
            let (_, timeline) = try await client.getJSON("/timeline")
            #expect(
                (timeline["buckets"] as? [[String: Any]])?.map { $0["month"] as? String } == [
                    "2024-02", "2023-08", "2019-08",
                ])
            let gallery = try await browser.get("/").text
            #expect(gallery.contains("<h2>February 2024</h2>") && !gallery.contains("<h2>July 2019</h2>"))

            // The page's form sends the camera's local time without seconds, and an empty offset.
            let form = try await browser.postForm("/photos/3/date", ["taken_at": "2001-09-08T07:06", "offset": ""])
            #expect(form.status == .seeOther && form.headers[.location] == "/photos/3")
            let (_, three) = try await client.getJSON("/photos/3")
            #expect(three["captured_at"] as? String == "2001-09-08T07:06:00")
            #expect(three["taken_at_source"] as? String == "exif_local")
            let page = try await browser.get("/photos/3").text
            #expect(page.contains("value=\"2001-09-08T07:06:00\""))

            for (body, status) in [
                (["taken_at": "2023-02-29T10:00:00"], HTTPResponse.Status.badRequest),
                (["taken_at": "2023-02-28T10:00:00+15:00"], .badRequest), (["taken_at": "yesterday"], .badRequest),
                (["taken_at": "2023-02-28", "rating": "5"], .badRequest), ([:], .badRequest),
            ] as [([String: String], HTTPResponse.Status)] {
                let answer = try await browser.sendJSON("/photos/1", method: .patch, body)
                #expect(answer.status == status, "\(body)")
                #expect(answer.json["error"] as? String == "bad_request", "\(body)")
            }
            let missing = try await browser.sendJSON("/photos/99", method: .patch, ["taken_at": "2023-02-28"])
            #expect(missing.status == .notFound)
            let (_, unchanged) = try await client.getJSON("/photos/1")
            #expect(unchanged["captured_at"] as? String == "2019-07-31T23:30:00")
        }
    }

    @Test(
        "a star marks a favourite, by JSON or the page's form, and ?favorite=true lists only those",
        arguments: DatabaseKind.allCases)
    func favorites(_ database: DatabaseKind) async throws {
        try await withTestApp(database: database) { _, client in
            let browser = try await BrowserSession.start(client)
            try await Self.uploadPhotos(browser)
            let (_, before) = try await client.getJSON("/photos/1")
            #expect(before["favorite"] as? Bool == false)
            let starred = try await browser.sendJSON("/photos/1", method: .patch, ["favorite": true])
            #expect(starred.status == .ok && starred.json["favorite"] as? Bool == true)
            #expect(try await browser.postForm("/photos/3/favorite", ["favorite": "true"]).status == .seeOther)
            let (_, favorites) = try await client.getJSON("/photos?favorite=true")
            #expect(Self.ids(favorites) == [3, 1])
            let page = try await browser.get("/?favorite=true").text
            #expect(page.contains("href=\"/photos/1\"") && !page.contains("href=\"/photos/2\""))
            #expect(page.contains("class=\"star is-favorite\""))
            let photoPage = try await browser.get("/photos/3").text
            #expect(photoPage.contains("name=\"favorite\" value=\"false\""))
            _ = try await browser.sendJSON("/photos/1", method: .patch, ["favorite": false])
            let (_, after) = try await client.getJSON("/photos?favorite=true")
            #expect(Self.ids(after) == [3])
            let bad = try await browser.sendJSON("/photos/1", method: .patch, ["favorite": "maybe"])
            #expect(bad.status == .badRequest)
            let (badQuery, _) = try await client.getJSON("/photos?favorite=perhaps")
            #expect(badQuery.status == .badRequest)
            #expect(try await browser.get("/?favorite=true&after=3").text.contains("No older photos"))
        }
    }
}
