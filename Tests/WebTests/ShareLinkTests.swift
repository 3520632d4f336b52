import Composition
import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import NIOConcurrencyHelpers
import NIOCore
import Testing
import Web

/// Share links through the router: making and listing them, the guest's view, 404 and 410, passwords, downloads,
/// guest uploads and drop boxes, and `SHARE_LINKS=off`.
@Suite("Share links")
struct ShareLinkTests {
    /// Albums "Family" (photos 1, 2) and "Private" (photo 3), and photo 4 in no album.
    static func seed(_ browser: BrowserSession) async throws {
        _ = try await browser.postForm("/albums", ["name": "Family"])
        _ = try await browser.postForm("/albums", ["name": "Private"])
        for (index, album) in [(1, 1), (2, 1), (3, 2), (4, nil)] as [(Int, Int64?)] {
            let upload = try await browser.upload(
                [("p\(index).jpg", try TestImages.jpeg(width: 20 + index, height: 16))], album: album)
            #expect(upload.status == .created)
        }
    }

    @Test(
        "an album link: the answer, the owner's list, the guest's gallery, photos and JSON",
        arguments: DatabaseKind.allCases)
    func albumLink(_ database: DatabaseKind) async throws {
        try await withTestApp(database: database) { _, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            let link = try await owner.makeLink("/albums/1/links")
            let token = try #require(link["token"] as? String)
            #expect(token.count == 43 && token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            #expect((link["url"] as? String)?.hasSuffix("/s/\(token)") == true)
            #expect(link["allow_download"] as? Bool == true && link["allow_upload"] as? Bool == false)
            #expect(link["allow_view"] as? Bool == true && link["has_password"] as? Bool == false)
            #expect(link["album"] as? Int == 1 && link["photo"] is NSNull && link["expires_at"] is NSNull)
            #expect(link["id"] as? Int == 1 && link["created_at"] is String)

            let listed = try await owner.get("/links", accept: "application/json")
            let links = try #require(listed.json["links"] as? [[String: Any]])
            #expect(links.count == 1 && links[0]["token"] == nil && links[0]["url"] == nil)
            #expect(links[0]["name"] as? String == "Family" && links[0]["state"] as? String == "active")

            var guest = GuestBrowser(client)
            let page = try await guest.get("/s/\(token)")
            #expect(page.status == .ok)
            #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(page.headers[HTTPField.Name("X-Robots-Tag")!]?.contains("noindex") == true)
            #expect(page.text.contains("Family") && page.text.contains("href=\"/s/\(token)/photos/2\""))
            #expect(page.text.contains("href=\"/s/\(token)/photos/1\""))
            // Nothing of the rest of the site: no navigation, no other album, photo or uploader form.
            #expect(!page.text.contains("href=\"/albums") && !page.text.contains("Private"))
            #expect(!page.text.contains("/photos/3") && !page.text.contains("/photos/4"))
            #expect(!page.text.contains("data-upload-form") && page.text.contains("/s/\(token)/download"))

            let (listResponse, json) = try await guest.getJSON("/s/\(token)")
            #expect(listResponse.status == .ok)
            let photos = try #require(json["photos"] as? [[String: Any]])
            #expect(photos.map { $0["id"] as? Int } == [2, 1] && json.keys.contains("next"))
            #expect(photos.allSatisfy { $0["albums"] as? [Int] == [1] })
            #expect(photos.allSatisfy { ($0["urls"] as? [String: Any])?["original"] is String })
            // A photo of the album is in both albums now: the guest still sees only the shared one.
            _ = try await owner.sendJSON("/albums/2/photos", method: .post, ["photos": [1]])
            let (_, one) = try await guest.getJSON("/s/\(token)/photos/1")
            #expect(one["albums"] as? [Int] == [1] && one["id"] as? Int == 1)
            let photoPage = try await guest.get("/s/\(token)/photos/2")
            #expect(photoPage.status == .ok && photoPage.text.contains("data-older-url=\"/s/\(token)/photos/1\""))
            #expect(photoPage.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(!photoPage.text.contains("Private") && !photoPage.text.contains("href=\"/albums"))
            // Photos outside the album, other albums, the gallery: not through the link.
            #expect(try await guest.get("/s/\(token)/photos/3").status == .notFound)
            #expect(try await guest.get("/s/\(token)/photos/4", accept: "application/json").status == .notFound)
            let (status, _) = try await guest.getJSON("/s/\(token)/photos?ids=1,2,3,4")
            #expect(status.status == .ok)
            let (_, polled) = try await guest.getJSON("/s/\(token)/photos?ids=1,2,3,4")
            #expect((polled["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [2, 1])
            let (paged, firstPage) = try await guest.getJSON("/s/\(token)/photos?limit=1")
            #expect(paged.status == .ok && (firstPage["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [2])
            #expect(firstPage["next"] as? Int == 2)
            let (_, secondPage) = try await guest.getJSON("/s/\(token)/photos?after=2&limit=1")
            #expect((secondPage["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [1])
            #expect(try await guest.getJSON("/s/\(token)/photos?limit=0").0.status == .badRequest)
            let zip = try await guest.get("/s/\(token)/download", accept: "*/*")
            #expect(zip.status == .ok && zip.headers[.contentType] == "application/zip")

            // Unknown and malformed tokens are 404, as page and JSON.
            let unknown = String(repeating: "A", count: 43)
            let missing = try await guest.get("/s/\(unknown)")
            #expect(missing.status == .notFound && !missing.text.contains("href=\"/albums"))
            #expect(missing.headers[HTTPField.Name("X-Robots-Tag")!] != nil)
            #expect(try await guest.getJSON("/s/nope").0.status == .notFound)
            #expect(try await guest.getJSON("/s/\(unknown)").1["error"] as? String == "not_found")
        }
    }

    @Test("a photo link shows that one photo and nothing else")
    func photoLink() async throws {
        try await withTestApp { _, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            let link = try await owner.makeLink("/photos/2/links", ["allow_download": false])
            var guest = GuestBrowser(client)
            let (_, json) = try await guest.getJSON(link.sharePath)
            let photos = try #require(json["photos"] as? [[String: Any]])
            #expect(photos.map { $0["id"] as? Int } == [2] && photos[0]["albums"] as? [Int] == [])
            #expect(photos[0]["hash"] is NSNull && (photos[0]["urls"] as? [String: Any])?["original"] is NSNull)
            let page = try await guest.get(link.sharePath)
            #expect(page.status == .ok && page.text.contains("p2.jpg") && !page.text.contains("Download"))
            #expect(try await guest.get(link.sharePath + "/photos/1").status == .notFound)
            #expect(try await guest.get(link.sharePath + "/download").status == .forbidden)
            #expect(
                try await owner.sendJSON("/photos/2/links", method: .post, ["allow_upload": true]).status == .badRequest
            )
        }
    }

    @Test("the token is not in the database: only its SHA-256 is")
    func tokenNotStored() async throws {
        try await withTestApp { workspace, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            let token = try #require(
                try await owner.makeLink("/albums/1/links", ["password": "grandma1234"])["token"] as? String)
            var bytes: [UInt8] = []
            let folder = workspace.root + "/data"
            for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
                bytes += Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
            }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains(token))
            #expect(!text.contains("grandma1234"))
            #expect(text.contains(SecretToken.digest(token)))
            #expect(text.contains("$2b$") || text.contains("$2a$") || text.contains("$2y$"))
        }
    }

    @Test("expired and revoked links answer 410 at once, as a page and as JSON")
    func expiryAndRevocation() async throws {
        try await withTestApp { _, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            let past = try await owner.sendJSON(
                "/albums/1/links", method: .post, ["expires_at": "2001-01-01T00:00:00Z"])
            #expect(past.status == .badRequest && past.json["error"] as? String == "bad_request")
            let soon = Date().addingTimeInterval(1.5)
            let expiring = try await owner.makeLink(
                "/albums/1/links", ["expires_at": ISO8601DateFormatter().string(from: soon.addingTimeInterval(1))])
            var guest = GuestBrowser(client)
            #expect(try await guest.get(expiring.sharePath).status == .ok)
            try await Task.sleep(for: .seconds(3))
            let gone = try await guest.get(expiring.sharePath)
            #expect(gone.status == .gone && gone.text.contains("expired") && !gone.text.contains("href=\"/albums"))
            #expect(gone.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            let (goneJSON, body) = try await guest.getJSON(expiring.sharePath + "/photos/1")
            #expect(goneJSON.status == .gone && body["error"] as? String == "gone")

            let link = try await owner.makeLink("/albums/1/links")
            #expect(try await guest.get(link.sharePath).status == .ok)
            let revoked = try await owner.sendJSON("/links/\(link["id"] as? Int ?? 0)", method: .delete, nil)
            #expect(revoked.status == .noContent)
            #expect(try await guest.get(link.sharePath).status == .gone)
            #expect(try await guest.get(link.sharePath + "/download", accept: "*/*").status == .gone)
            #expect(
                try await owner.sendJSON("/links/\(link["id"] as? Int ?? 0)", method: .delete, nil).status == .notFound)
            let page = try await owner.get("/links")
            #expect(page.text.contains("revoked") && page.text.contains("expired") && page.text.contains("Family"))
        }
    }

    @Test("password links: a form, a cookie for that link only, and a limit per link and per client")
    func passwords() async throws {
        try await withTestApp { _, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            let first = try await owner.makeLink("/albums/1/links", ["password": "grandma1234"])
            let second = try await owner.makeLink("/albums/1/links", ["password": "grandma1234"])
            let third = try await owner.makeLink("/albums/1/links", ["password": "grandma1234"])
            #expect(first["has_password"] as? Bool == true)
            #expect(
                try await owner.sendJSON("/albums/1/links", method: .post, ["password": "short"]).status == .badRequest)

            var guest = GuestBrowser(client)
            let form = try await guest.get(first.sharePath)
            #expect(form.status == .unauthorized && form.text.contains("type=\"password\""))
            #expect(!form.text.contains("/photos/1"))
            #expect(try await guest.getJSON(first.sharePath).1["error"] as? String == "password_required")
            #expect(try await guest.get(first.sharePath + "/download", accept: "*/*").status == .unauthorized)

            // The right password, behind TLS: a cookie on the link's path only.
            let right = try await guest.postForm(
                second.sharePath + "/password", ["password": "grandma1234"],
                headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(right.status == .seeOther && right.headers[.location] == second.sharePath)
            let cookie = try #require(right.headers[values: .setCookie].first { $0.hasPrefix("memories_share=") })
            #expect(cookie.contains("Path=\(second.sharePath)") && cookie.contains("HttpOnly"))
            #expect(cookie.lowercased().contains("samesite=lax") && cookie.contains("Secure"))
            #expect(try await guest.get(second.sharePath).status == .ok)
            #expect(try await guest.getJSON(second.sharePath + "/photos/1").0.status == .ok)
            // The same cookie (same password, too) opens no other link.
            #expect(try await guest.get(third.sharePath).status == .unauthorized)

            // Ten wrong attempts at one link: the eleventh is refused, even with the right password...
            for _ in 0..<10 {
                let wrong = try await guest.postForm(first.sharePath + "/password", ["password": "guess-guess"])
                #expect(wrong.status == .unauthorized && wrong.text.contains("not the password"))
            }
            let limited = try await guest.postForm(first.sharePath + "/password", ["password": "grandma1234"])
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil)
            // ...while another link still takes attempts, up to the client's own limit (20 in all).
            for _ in 0..<8 {
                #expect(
                    try await guest.postForm(third.sharePath + "/password", ["password": "x"]).status == .unauthorized)
            }
            #expect(
                try await guest.postForm(third.sharePath + "/password", ["password": "grandma1234"]).status
                    == .tooManyRequests)
        }
    }

    @Test("allow_download false: no original, no hash, no ZIP, no download on the page")
    func noDownload() async throws {
        try await withTestApp { workspace, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            let link = try await owner.makeLink("/albums/1/links", ["allow_download": false])
            #expect(link["allow_download"] as? Bool == false)
            var guest = GuestBrowser(client)
            let (_, json) = try await guest.getJSON(link.sharePath)
            let photos = try #require(json["photos"] as? [[String: Any]])
            #expect(photos.count == 2)
            for photo in photos {
                #expect(photo["hash"] is NSNull)
                #expect((photo["urls"] as? [String: Any])?["original"] is NSNull)
            }
            let page = try await guest.get(link.sharePath)
            #expect(page.status == .ok && !page.text.contains("Download") && !page.text.contains("/media/original"))
            let photoPage = try await guest.get(link.sharePath + "/photos/1")
            #expect(!photoPage.text.contains("Download") && !photoPage.text.contains("\"/media/"))
            #expect(try await guest.get(link.sharePath + "/download", accept: "*/*").status == .forbidden)
            // The images come through the link, and only once they exist.
            #expect(try await guest.get(link.sharePath + "/media/display/1", accept: "*/*").status == .notFound)
            try await workspace.runWorkerUntilIdle()
            let (_, ready) = try await guest.getJSON(link.sharePath + "/photos/1")
            let urls = try #require(ready["urls"] as? [String: Any])
            #expect(urls["display"] as? String == link.sharePath + "/media/display/1")
            #expect(urls["thumbnail"] as? String == link.sharePath + "/media/thumbnail/1" && urls["original"] is NSNull)
            let image = try await guest.get(link.sharePath + "/media/thumbnail/1", accept: "image/*")
            #expect(image.status == .ok && image.headers[.contentType] == "image/jpeg")
            #expect(Array(image.body.readableBytesView.prefix(2)) == [0xFF, 0xD8])
            #expect(image.headers[.cacheControl]?.contains("private") == true)
            let readyPage = try await guest.get(link.sharePath)
            #expect(
                readyPage.text.contains(link.sharePath + "/media/thumbnail/1") && !readyPage.text.contains("\"/media/"))
            #expect(try await guest.get(link.sharePath + "/media/original/1", accept: "*/*").status == .notFound)
            #expect(try await guest.get(link.sharePath + "/media/display/3", accept: "*/*").status == .notFound)
            // A link that allows downloads uses the ordinary hash-named media.
            let open = try await owner.makeLink("/albums/1/links")
            let (_, plain) = try await guest.getJSON(open.sharePath + "/photos/1")
            #expect(
                (plain["urls"] as? [String: Any])?["original"] as? String
                    == "/media/original/\(plain["hash"] as? String ?? "").jpg")
        }
    }

    @Test(
        "a guest upload lands in the album, attributed to the link, and nowhere else", arguments: DatabaseKind.allCases)
    func guestUpload(_ database: DatabaseKind) async throws {
        try await withTestApp(database: database) { workspace, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            let viewOnly = try await owner.makeLink("/albums/1/links")
            let link = try await owner.makeLink("/albums/1/links", ["allow_upload": true])
            var guest = GuestBrowser(client)
            let page = try await guest.get(link.sharePath)
            #expect(page.text.contains("data-upload-form") && page.text.contains("action=\"\(link.sharePath)/photos\""))
            #expect(!page.text.contains("name=\"album\""))
            _ = try await guest.get(viewOnly.sharePath)
            let refused = try await guest.upload(
                viewOnly.sharePath + "/photos", [("x.jpg", try TestImages.jpeg(width: 9, height: 9))])
            #expect(refused.status == .forbidden)

            let uploaded = try await guest.upload(
                link.sharePath + "/photos", [("guest.jpg", try TestImages.jpeg(width: 31, height: 17))])
            #expect(uploaded.status == .created)
            let photo = try #require((uploaded.json["photos"] as? [[String: Any]])?.first)
            let id = try #require(photo["id"] as? Int)
            #expect(photo["albums"] as? [Int] == [1] && photo["original_name"] as? String == "guest.jpg")
            let (_, inFamily) = try await owner.client.getJSON("/photos?album=1")
            #expect((inFamily["photos"] as? [[String: Any]])?.contains { $0["id"] as? Int == id } == true)
            let (_, inPrivate) = try await owner.client.getJSON("/photos?album=2")
            #expect((inPrivate["photos"] as? [[String: Any]])?.contains { $0["id"] as? Int == id } == false)
            let (_, asOwner) = try await owner.client.getJSON("/photos/\(id)")
            #expect(asOwner["albums"] as? [Int] == [1])

            // The same bytes as the private photo 3: it joins the album, no copy is made, and the guest learns
            // nothing of the other album.
            let files =
                (FileManager.default.enumerator(atPath: workspace.root + "/media")?.allObjects as? [String] ?? [])
                .filter { $0.hasPrefix("original/") && $0.count > 10 }.count
            let duplicate = try await guest.upload(
                link.sharePath + "/photos", [("again.jpg", try TestImages.jpeg(width: 23, height: 16))])
            #expect(duplicate.status == .ok)
            let same = try #require((duplicate.json["photos"] as? [[String: Any]])?.first)
            #expect(same["id"] as? Int == 3 && same["albums"] as? [Int] == [1])
            let after =
                (FileManager.default.enumerator(atPath: workspace.root + "/media")?.allObjects as? [String] ?? [])
                .filter { $0.hasPrefix("original/") && $0.count > 10 }.count
            #expect(after == files)
            let (_, three) = try await owner.client.getJSON("/photos/3")
            #expect(three["albums"] as? [Int] == [1, 2])
            // Sniffing holds for guests too.
            let text = try await guest.upload(link.sharePath + "/photos", [("a.jpg", Array("not an image".utf8))])
            #expect(text.status == .unsupportedMediaType)
            // A form post without script goes back to the link.
            let form = try await guest.upload(
                link.sharePath + "/photos", [("form.jpg", try TestImages.jpeg(width: 33, height: 12))],
                accept: "text/html")
            #expect(form.status == .seeOther && form.headers[.location] == link.sharePath)

            // The owner sees the guests' photos on the links page and can take them out of the album.
            let listed = try await owner.get("/links", accept: "application/json")
            let row = try #require(
                (listed.json["links"] as? [[String: Any]])?.first { $0["id"] as? Int == link["id"] as? Int })
            #expect(row["guest_uploads"] as? Int == 3)
            let linksPage = try await owner.get("/links")
            #expect(linksPage.text.contains("3 photos uploaded by guests") && linksPage.text.contains("guest.jpg"))
            #expect(try await owner.postForm("/albums/1/photos/remove", ["photos": String(id)]).status == .seeOther)
            let (_, gone) = try await guest.getJSON(link.sharePath + "/photos/\(id)")
            #expect(gone["error"] as? String == "not_found")
        }
    }

    @Test("an upload-only link is a drop box: the guest sees their own uploads, never the album or others'")
    func dropBox() async throws {
        try await withTestApp { _, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            #expect(
                try await owner.sendJSON("/albums/1/links", method: .post, ["allow_view": false]).status == .badRequest)
            let link = try await owner.makeLink("/albums/1/links", ["allow_view": false, "allow_upload": true])
            var guest = GuestBrowser(client)
            let page = try await guest.get(link.sharePath)
            #expect(
                page.status == .ok && page.text.contains("data-upload-form") && page.text.contains("data-share-dropbox")
            )
            #expect(!page.text.contains("p1.jpg") && !page.text.contains("/photos/1") && !page.text.contains("Family"))
            let (_, json) = try await guest.getJSON(link.sharePath)
            #expect((json["photos"] as? [Any])?.isEmpty == true)
            #expect(try await guest.get(link.sharePath + "/photos/1").status == .forbidden)
            #expect(try await guest.getJSON(link.sharePath + "/photos?ids=1,2").0.status == .forbidden)
            #expect(try await guest.get(link.sharePath + "/download", accept: "*/*").status == .forbidden)

            let mine = try await guest.upload(
                link.sharePath + "/photos", [("mine.jpg", try TestImages.jpeg(width: 41, height: 13))])
            #expect(mine.status == .created)
            let photo = try #require((mine.json["photos"] as? [[String: Any]])?.first)
            let hash = try #require(photo["hash"] as? String)
            // Another guest's upload through the same link, and the album's own photo: not visible by hash either.
            var other = GuestBrowser(client)
            _ = try await other.get(link.sharePath)
            let theirs = try await other.upload(
                link.sharePath + "/photos", [("theirs.jpg", try TestImages.jpeg(width: 42, height: 13))])
            let theirHash = try #require((theirs.json["photos"] as? [[String: Any]])?.first?["hash"] as? String)
            let (_, ownerPhoto) = try await owner.client.getJSON("/photos/1")
            let albumHash = try #require(ownerPhoto["hash"] as? String)
            let (_, polled) = try await guest.getJSON(link.sharePath + "/photos?hashes=\(hash),\(albumHash)")
            #expect((polled["photos"] as? [[String: Any]])?.map { $0["id"] as? Int } == [photo["id"] as? Int])
            #expect((polled["photos"] as? [[String: Any]])?.first?["albums"] as? [Int] == [1])
            // Hashes are unguessable; a guest who knows another's (the same bytes) sent them, so it shows.
            let (_, theirPoll) = try await guest.getJSON(link.sharePath + "/photos?hashes=\(theirHash)")
            #expect((theirPoll["photos"] as? [Any])?.count == 1)
            #expect(try await guest.get(link.sharePath + "/photos/\(photo["id"] as? Int ?? 0)").status == .forbidden)
        }
    }

    @Test("with AUTH_REQUIRED a guest needs no account, and sees no one's name or other albums")
    func noAccountNeeded() async throws {
        try await withAuthApps(.sqlite) { harness, clients in
            try await harness.createUser("alice")
            try await harness.createUser("bob")
            let alice = try await SignedInBrowser.signIn(clients[0], "alice")
            #expect(try await alice.postForm("/albums", ["name": "Family"]).status == .seeOther)
            _ = try await alice.upload([("a.jpg", try TestImages.jpeg(width: 20, height: 20))])
            let made = try await alice.client.execute(
                uri: "/albums/1/links", method: .post,
                headers: [
                    .accept: "application/json", .contentType: "application/json", .cookie: alice.cookie,
                    HTTPField.Name("X-CSRF-Token")!: alice.csrf,
                ],
                body: .init(string: #"{"allow_upload": true}"#))
            #expect(made.status == .created)
            let link = try #require(made.json["link"] as? [String: Any])

            var guest = GuestBrowser(clients[0])
            let page = try await guest.get(link.sharePath)
            #expect(page.status == .ok && !page.text.contains("alice") && !page.text.contains("Sign in"))
            let uploaded = try await guest.upload(
                link.sharePath + "/photos", [("g.jpg", try TestImages.jpeg(width: 21, height: 20))])
            #expect(uploaded.status == .created)
            // The guest has no way into the rest: the gallery, albums and link list want a sign-in.
            #expect(try await guest.get("/albums").status == .seeOther)
            #expect(try await guest.getJSON("/photos").0.status == .unauthorized)
            #expect(try await guest.getJSON("/links").0.status == .unauthorized)
            // Another user neither sees nor revokes alice's links.
            let bob = try await SignedInBrowser.signIn(clients[0], "bob")
            let bobs = try await bob.get("/links", accept: "application/json")
            #expect((bobs.json["links"] as? [Any])?.isEmpty == true)
            #expect(try await bob.postForm("/links/1/revoke", [:]).status == .notFound)
            let alices = try await alice.get("/links", accept: "application/json")
            #expect((alices.json["links"] as? [[String: Any]])?.first?["guest_uploads"] as? Int == 1)
            #expect(try await alice.postForm("/links/1/revoke", [:]).status == .seeOther)
            #expect(try await guest.get(link.sharePath).status == .gone)
        }
    }

    @Test("SHARE_LINKS=off: every link route answers 404, existing links too; the default expiry presets new links")
    func adminSettings() async throws {
        try await withWorkspace { workspace in
            var configuration = try Configuration.test(root: workspace.root)
            configuration.sharing = SharingConfiguration(enabled: true, defaultExpiry: .seconds(30 * 86_400))
            let path = NIOLockedValueBox("")
            try await withWebApp(configuration, logger: workspace.logger) { _, client in
                let owner = try await BrowserSession.start(client)
                try await Self.seed(owner)
                let link = try await owner.makeLink("/albums/1/links")
                let expires = try #require((link["expires_at"] as? String).flatMap(ShareLinkTests.date))
                #expect(abs(expires.timeIntervalSinceNow - 30 * 86_400) < 120)
                let never = try await owner.makeLink("/albums/1/links", ["expires_at": NSNull()])
                #expect(never["expires_at"] is NSNull)
                let page = try await owner.get("/albums/1")
                #expect(page.text.contains("data-share-form") && page.text.contains("in 30 days"))
                path.withLockedValue { $0 = link.sharePath }
            }
            configuration.sharing = SharingConfiguration(enabled: false)
            try await withWebApp(configuration, logger: workspace.logger) { _, client in
                let owner = try await BrowserSession.start(client)
                var guest = GuestBrowser(client)
                let shared = path.withLockedValue { $0 }
                #expect(try await guest.get(shared).status == .notFound)
                #expect(try await guest.getJSON(shared + "/photos/1").0.status == .notFound)
                #expect(try await guest.get(shared + "/download", accept: "*/*").status == .notFound)
                #expect(try await owner.sendJSON("/albums/1/links", method: .post, [:]).status == .notFound)
                #expect(try await owner.get("/links", accept: "application/json").status == .notFound)
                #expect(try await owner.sendJSON("/links/1", method: .delete, nil).status == .notFound)
                #expect(!(try await owner.get("/albums/1")).text.contains("data-share-form"))
            }
        }
    }

    @Test("guests' large files go over tus through the link, into its album, and only that link reaches them")
    func guestResumable() async throws {
        try await withTestApp { _, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            let link = try await owner.makeLink("/albums/1/links", ["allow_upload": true])
            let viewOnly = try await owner.makeLink("/albums/1/links")
            var guest = GuestBrowser(client)
            let page = try await guest.get(link.sharePath)
            #expect(page.text.contains("data-tus-endpoint=\"\(link.sharePath)/uploads\""))
            let bytes = try TestImages.jpeg(width: 70, height: 30)
            func tus(_ uri: String, _ method: HTTPRequest.Method, _ extra: HTTPFields = [:], body: [UInt8]? = nil)
                async throws -> TestResponse
            {
                var headers: HTTPFields = [
                    HTTPField.Name("Tus-Resumable")!: "1.0.0", .cookie: guest.cookieHeader,
                    HTTPField.Name("X-CSRF-Token")!: guest.csrf, .accept: "application/json",
                ]
                headers.append(contentsOf: extra)
                return try await client.execute(
                    uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
            }
            let creation: HTTPFields = [
                HTTPField.Name("Upload-Length")!: String(bytes.count),
                HTTPField.Name("Upload-Metadata")!: "filename " + Data("big.jpg".utf8).base64EncodedString()
                    + ",album " + Data("2".utf8).base64EncodedString(),
            ]
            #expect(try await tus(viewOnly.sharePath + "/uploads", .post, creation).status == .forbidden)
            let created = try await tus(link.sharePath + "/uploads", .post, creation)
            #expect(created.status == .created)
            let location = try #require(created.headers[.location])
            #expect(location.hasPrefix(link.sharePath + "/uploads/"))
            let id = String(location.dropFirst((link.sharePath + "/uploads/").count))
            #expect(try await tus(location, .head).status == .ok)
            // Neither the site's tus endpoint nor another link reaches a guest's upload.
            #expect(try await tus("/uploads/\(id)", .head).status == .notFound)
            #expect(try await tus(viewOnly.sharePath + "/uploads/\(id)", .head).status == .forbidden)
            let done = try await tus(
                location, .patch,
                [.contentType: "application/offset+octet-stream", HTTPField.Name("Upload-Offset")!: "0"], body: bytes)
            #expect(done.status == .created)
            let photo = done.json
            let photoID = try #require(photo["id"] as? Int)
            #expect(
                photo["albums"] as? [Int] == [1] && done.headers[.location] == link.sharePath + "/photos/\(photoID)")
            let (_, asOwner) = try await owner.client.getJSON("/photos/\(photoID)")
            #expect(asOwner["albums"] as? [Int] == [1])
            let (_, links) = try await owner.client.getJSON("/links")
            #expect(
                (links["links"] as? [[String: Any]])?.first { $0["id"] as? Int == link["id"] as? Int }?["guest_uploads"]
                    as? Int == 1)

            // Revoking the link stops an upload halfway.
            let second = try await tus(link.sharePath + "/uploads", .post, creation)
            let next = try #require(second.headers[.location])
            _ = try await owner.sendJSON("/links/\(link["id"] as? Int ?? 0)", method: .delete, nil)
            let refused = try await tus(
                next, .patch,
                [.contentType: "application/offset+octet-stream", HTTPField.Name("Upload-Offset")!: "0"],
                body: try TestImages.jpeg(width: 71, height: 30))
            #expect(refused.status == .gone)
        }
    }

    @Test("guests' uploads count against UPLOAD_RATE_PER_MINUTE like everyone's")
    func guestRateLimit() async throws {
        try await withTestApp(uploadRatePerMinute: 6) { _, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            let link = try await owner.makeLink("/albums/1/links", ["allow_upload": true])
            var guest = GuestBrowser(client)
            _ = try await guest.get(link.sharePath)
            for index in 0..<2 {
                let upload = try await guest.upload(
                    link.sharePath + "/photos", [("g\(index).jpg", try TestImages.jpeg(width: 50 + index, height: 9))])
                #expect(upload.status == .created)
            }
            let limited = try await guest.upload(
                link.sharePath + "/photos", [("g.jpg", try TestImages.jpeg(width: 60, height: 9))])
            #expect(limited.status == .tooManyRequests && limited.headers[.retryAfter] != nil)
            #expect(limited.json["error"] as? String == "rate_limited")
        }
    }

    @Test("bad link fields get clear 400s; unknown albums and photos 404")
    func badInput() async throws {
        try await withTestApp { _, client in
            let owner = try await BrowserSession.start(client)
            try await Self.seed(owner)
            for fields: [String: Any] in [
                ["expires_at": "tomorrow"], ["allow_download": "maybe"], ["allow_view": false],
                ["password": String(repeating: "p", count: 80)],
            ] {
                let response = try await owner.sendJSON("/albums/1/links", method: .post, fields)
                #expect(response.status == .badRequest, "\(fields)")
                #expect(response.json["message"] is String)
            }
            #expect(try await owner.sendJSON("/albums/99/links", method: .post, [:]).status == .notFound)
            #expect(try await owner.sendJSON("/photos/99/links", method: .post, [:]).status == .notFound)
            let created = try await owner.postForm(
                "/albums/1/links", ["share_form": "1", "expires_in": "7d", "allow_download": "1"])
            #expect(created.status == .created && created.text.contains("/s/"), "\(created.status) \(created.text)")
            let (_, list) = try await owner.client.getJSON("/links")
            let row = try #require((list["links"] as? [[String: Any]])?.first)
            #expect(row["allow_download"] as? Bool == true && row["allow_upload"] as? Bool == false)
            #expect(row["expires_at"] is String)
        }
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
