import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import NIOCore
import Testing
import Web

/// Accounts as a user feels them, through the real router on both databases: signing in and out, sessions shared
/// by two app servers, API tokens, CSRF with cookies and tokens, ownership, a private or public gallery.
@Suite("Accounts and sessions")
struct AuthTests {
    static let jpeg: @Sendable (String) throws -> [UInt8] = { tag in
        try TestImages.uniqueJPEG(width: 16, height: 16, tag: tag)
    }

    @Test(
        "login sets an HttpOnly, SameSite=Lax session cookie (Secure behind TLS) and redirects to a local next",
        arguments: DatabaseKind.allCases)
    func loginCookie(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice")
            var browser = try await SignedInBrowser.open(clients[0])
            let response = try await browser.login("alice", password: "correct horse battery", next: "/albums")
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/albums")
            let cookie = try #require(SignedInBrowser.sessionCookie(response))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))
            let page = try await browser.get("/")
            #expect(page.status == .ok)
            #expect(page.text.contains("Signed in as <strong>alice</strong>"))
            #expect(page.text.contains("data-upload-form"))

            // Behind a TLS-terminating proxy the cookie is Secure; an absolute `next` never leaves the site.
            var other = try await SignedInBrowser.open(clients[0])
            let body =
                "username=alice&password=correct+horse+battery&next=https%3A%2F%2Fevil.example%2F&csrf_token=\(other.csrf)"
            let tls = try await clients[0].execute(
                uri: "/login", method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded", .accept: "text/html", .cookie: other.cookie,
                    HTTPField.Name("X-Forwarded-Proto")!: "https",
                ], body: ByteBuffer(string: body))
            #expect(tls.status == .seeOther)
            #expect(tls.headers[.location] == "/")
            #expect(SignedInBrowser.sessionCookie(tls)?.contains("Secure") == true)
            for next in ["//evil.example/", "/\\evil.example", "javascript:alert(1)"] {
                let again = try await other.login("alice", password: "correct horse battery", next: next)
                #expect(again.headers[.location] == "/", "next \(next)")
            }
        }
    }

    @Test(
        "a wrong password and an unknown user get the same 401 page; no cookie is set", arguments: DatabaseKind.allCases
    )
    func failedLogin(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice")
            var browser = try await SignedInBrowser.open(clients[0])
            let wrong = try await browser.login("alice", password: "wrong password!")
            let unknown = try await browser.login("mallory", password: "wrong password!")
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.text.contains("The username or password is not right."))
            #expect(
                wrong.text.replacingOccurrences(of: "alice", with: "X")
                    == unknown.text.replacingOccurrences(of: "mallory", with: "X"))
            #expect(SignedInBrowser.sessionCookie(wrong) == nil)
            #expect(browser.session == nil)
            // Names are case-insensitive; passwords are not.
            #expect(try await browser.login("ALICE", password: "correct horse battery").status == .seeOther)
            #expect(try await browser.login("alice", password: "CORRECT HORSE BATTERY").status == .unauthorized)
            let json = try await clients[0].execute(
                uri: "/login", method: .post,
                headers: [.contentType: "application/json", .accept: "application/json"],
                body: ByteBuffer(string: #"{"username": "nobody", "password": "whatever1"}"#))
            #expect(json.status == .unauthorized)
            #expect(json.json["error"] as? String == "invalid_credentials")
        }
    }

    @Test(
        "a session made on one app server works on another; logout ends it on the server for both",
        arguments: DatabaseKind.allCases)
    func sharedSessions(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend, servers: 2) { harness, clients in
            try await harness.createUser("alice")
            let onA = try await SignedInBrowser.signIn(clients[0], "alice")
            let onB = SignedInBrowser(
                client: clients[1], csrfCookie: onA.csrfCookie, csrf: onA.csrf, session: onA.session)
            let upload = try await onB.upload([("b.jpg", try Self.jpeg("shared-b"))])
            #expect(upload.status == .created)
            #expect(try await onB.get("/").text.contains("Signed in as"))

            let stolenCookie = onA.cookie
            let out = try await onA.postForm("/logout", [:])
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/login")
            #expect(SignedInBrowser.sessionCookie(out)?.contains("Max-Age=0") == true)
            // The old cookie, replayed on either server, no longer signs anyone in.
            for client in clients {
                let replay = try await client.execute(
                    uri: "/", method: .get, headers: [.accept: "application/json", .cookie: stolenCookie])
                #expect(replay.status == .unauthorized)
            }
            #expect(try await onB.upload([("c.jpg", try Self.jpeg("shared-c"))]).status == .unauthorized)
        }
    }

    @Test("each login gets a new session id; the one the browser had before ends", arguments: DatabaseKind.allCases)
    func noFixation(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice")
            var browser = try await SignedInBrowser.signIn(clients[0], "alice")
            let first = try #require(browser.session)
            _ = try await browser.login("alice", password: "correct horse battery")
            let second = try #require(browser.session)
            #expect(first != second)
            let old = try await clients[0].execute(
                uri: "/", method: .get, headers: [.accept: "application/json", .cookie: "memories_session=\(first)"])
            #expect(old.status == .unauthorized)
        }
    }

    @Test(
        "a bearer token uploads without cookies or CSRF token; revoked or unknown tokens get 401 with WWW-Authenticate",
        arguments: DatabaseKind.allCases)
    func bearerTokens(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            let alice = try await harness.createUser("alice")
            let token = try await harness.createToken(for: "alice")
            let created = try await clients[0].uploadWithToken(token.secret, [("a.jpg", try Self.jpeg("bearer-a"))])
            #expect(created.status == .created)
            let photos = try #require(created.json["photos"] as? [[String: Any]])
            let id = try #require(photos.first?["id"] as? Int)
            #expect(try await harness.photos.photo(id: Int64(id))?.ownerID == alice.id)
            let listed = try await clients[0].execute(
                uri: "/photos", method: .get,
                headers: [.accept: "application/json", .authorization: "Bearer \(token.secret)"])
            #expect(listed.status == .ok)

            #expect(try await harness.accounts.revokeToken(id: token.id))
            let revoked = try await clients[0].uploadWithToken(token.secret, [("b.jpg", try Self.jpeg("bearer-b"))])
            #expect(revoked.status == .unauthorized)
            #expect(revoked.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(revoked.json["error"] as? String == "unauthorized")
            for bogus in ["mem_" + String(repeating: "A", count: 43), "not-a-token", ""] {
                let answer = try await clients[0].uploadWithToken(bogus, [("c.jpg", try Self.jpeg("bearer-c"))])
                #expect(answer.status == .unauthorized, "token \(bogus)")
            }
            #expect(try await harness.photos.photos(before: nil, limit: 10).count == 1)
        }
    }

    @Test(
        "CSRF: a cookie-signed-in post without the token is refused with 403; a bearer post needs none",
        arguments: DatabaseKind.allCases)
    func csrfWithAccounts(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice")
            let token = try await harness.createToken(for: "alice")
            let browser = try await SignedInBrowser.signIn(clients[0], "alice")
            let noToken = try await browser.upload([("a.jpg", try Self.jpeg("csrf-a"))], withToken: false)
            #expect(noToken.status == .forbidden)
            #expect(noToken.json["error"] as? String == "csrf_failed")
            let album = try await browser.postForm("/albums", ["name": "Trip"], withToken: false)
            #expect(album.status == .forbidden)
            let crossSite = try await clients[0].execute(
                uri: "/albums", method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded", .cookie: browser.cookie,
                    .origin: "https://evil.example",
                    HTTPField.Name("Sec-Fetch-Site")!: "cross-site",
                ], body: ByteBuffer(string: "name=Evil"))
            #expect(crossSite.status == .forbidden)
            let viaBearer = try await clients[0].execute(
                uri: "/albums", method: .post,
                headers: [
                    .contentType: "application/json", .accept: "application/json",
                    .authorization: "Bearer \(token.secret)",
                ],
                body: ByteBuffer(string: #"{"name": "Scripted"}"#))
            #expect(viaBearer.status == .created)
            // The login form is CSRF-protected too.
            let other = try await SignedInBrowser.open(clients[0])
            let forged = try await other.postForm(
                "/login", ["username": "alice", "password": "correct horse battery"], withToken: false)
            #expect(forged.status == .forbidden)
            #expect(try await harness.photos.photos(before: nil, limit: 10).isEmpty)
        }
    }

    @Test(
        "CSRF: signed in, only the session-bound token from the pages works; a planted or pre-sign-in cookie token is refused",
        arguments: [DatabaseKind.sqlite])
    func sessionBoundToken(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice")
            let alice = try await SignedInBrowser.signIn(clients[0], "alice")
            #expect(alice.csrf != alice.csrfCookie, "the pages carry a token bound to the session")
            // The double-submit value from before sign-in no longer works.
            var stale = alice
            stale.csrf = alice.csrfCookie
            #expect(try await stale.postForm("/albums", ["name": "Stale"]).status == .forbidden)
            // A token planted in the CSRF cookie (a sibling subdomain can set cookies) and sent back: refused.
            let planted = String(repeating: "ab", count: 32)
            let forged = try await clients[0].postURLEncodedForm(
                "/albums", ["name": "Planted", "csrf_token": planted],
                cookie: "memories_csrf=\(planted); memories_session=\(try #require(alice.session))")
            #expect(forged.status == .forbidden)
            // Without any CSRF cookie, the session alone is not enough either.
            let cookieless = try await clients[0].postURLEncodedForm(
                "/albums", ["name": "Cookieless"], cookie: "memories_session=\(try #require(alice.session))")
            #expect(cookieless.status == .forbidden)
            // The page's token works, and a second session of the same user gets another.
            #expect(try await alice.postForm("/albums", ["name": "Real"]).status.code < 400)
            let again = try await SignedInBrowser.signIn(clients[0], "alice")
            #expect(again.csrf != alice.csrf)
            var crossed = again
            crossed.csrf = alice.csrf
            #expect(try await crossed.postForm("/albums", ["name": "Crossed"]).status == .forbidden)
        }
    }

    @Test(
        "another user cannot delete a photo (403) and it stays with its files; the owner can",
        arguments: DatabaseKind.allCases)
    func ownership(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice")
            try await harness.createUser("bob")
            let alice = try await SignedInBrowser.signIn(clients[0], "alice")
            let bob = try await SignedInBrowser.signIn(clients[0], "bob")
            let upload = try await alice.upload([("a.jpg", try Self.jpeg("own-a"))])
            #expect(upload.status == .created)
            let id = try #require((upload.json["photos"] as? [[String: Any]])?.first?["id"] as? Int)
            let files = harness.mediaFiles()
            #expect(!files.isEmpty)

            let byForm = try await bob.postForm("/photos/\(id)/delete", [:])
            #expect(byForm.status == .forbidden)
            #expect(byForm.text.contains("Only the person who uploaded this photo can delete it."))
            let bobToken = try await harness.createToken(for: "bob")
            let byAPI = try await clients[0].execute(
                uri: "/photos/\(id)", method: .delete,
                headers: [.accept: "application/json", .authorization: "Bearer \(bobToken.secret)"])
            #expect(byAPI.status == .forbidden)
            #expect(byAPI.json["error"] as? String == "forbidden")
            #expect(try await harness.photos.photo(id: Int64(id)) != nil)
            #expect(harness.mediaFiles() == files)
            #expect(try await bob.get("/photos/\(id)").text.contains("data-delete") == false)
            #expect(try await alice.get("/photos/\(id)").text.contains("data-delete"))

            let byOwner = try await alice.postForm("/photos/\(id)/delete", [:])
            #expect(byOwner.status == .seeOther)
            #expect(try await harness.photos.photo(id: Int64(id))?.trashedAt != nil)
            #expect(harness.mediaFiles() == files)

            // The trash is the owner's: another user neither sees the photo nor restores or purges it.
            #expect(try await alice.get("/trash").text.contains("data-restore=\"\(id)\""))
            #expect(try await bob.get("/trash").text.contains("The trash is empty."))
            #expect(try await bob.get("/photos/\(id)").status == .notFound)
            #expect(try await bob.postForm("/photos/\(id)/restore", [:]).status == .notFound)
            #expect(try await bob.postForm("/trash/empty", [:]).status == .seeOther)
            #expect(try await harness.photos.photo(id: Int64(id))?.trashedAt != nil)
            let bulk = try await clients[0].execute(
                uri: "/photos/bulk", method: .post,
                headers: [
                    .accept: "application/json", .contentType: "application/json",
                    .authorization: "Bearer \(bobToken.secret)",
                ],
                body: ByteBuffer(string: "{\"ids\": [\(id)], \"action\": \"restore\"}"))
            #expect(bulk.status == .forbidden)
            #expect(try await alice.get("/photos/\(id)").text.contains("This photo is in the trash."))

            let purged = try await alice.postForm("/photos/\(id)/delete", ["permanent": "true"])
            #expect(purged.status == .seeOther && purged.headers[.location] == "/trash")
            #expect(try await harness.photos.photo(id: Int64(id)) == nil)
            #expect(harness.mediaFiles().isEmpty)
        }
    }

    @Test(
        "a photo uploaded while sign-in was off has no owner and any signed-in user may delete it",
        arguments: [DatabaseKind.sqlite])
    func ownerlessPhotos(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("bob")
            let outcome = try await TestDatabase(database: harness.database).insertWithThumbnailJob(
                NewPhoto(
                    hash: String(repeating: "a", count: 64), originalName: "old.jpg", contentType: "image/jpeg",
                    bytes: 10,
                    width: 4, height: 4, orientation: nil, capturedAt: nil), maxAttempts: 1)
            #expect(outcome.photo.ownerID == nil)
            let bob = try await SignedInBrowser.signIn(clients[0], "bob")
            #expect(try await bob.postForm("/photos/\(outcome.photo.id)/delete", [:]).status == .seeOther)
            #expect(try await harness.photos.photo(id: outcome.photo.id)?.trashedAt != nil)
            #expect(try await bob.postForm("/photos/\(outcome.photo.id)/restore", [:]).status == .seeOther)
            #expect(try await harness.photos.photo(id: outcome.photo.id)?.trashedAt == nil)
        }
    }

    @Test(
        "a private gallery sends anonymous browsers to the login page and gives scripts 401 JSON",
        arguments: DatabaseKind.allCases)
    func privateGallery(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            let client = clients[0]
            let page = try await client.execute(uri: "/albums?x=1", method: .get, headers: [.accept: "text/html"])
            #expect(page.status == .seeOther)
            #expect(page.headers[.location] == "/login?next=/albums%3Fx%3D1")
            for uri in ["/", "/photos", "/photos/1", "/albums"] {
                let json = try await client.execute(uri: uri, method: .get, headers: [.accept: "application/json"])
                #expect(json.status == .unauthorized, "GET \(uri)")
                #expect(json.json["error"] as? String == "unauthorized")
                #expect(json.headers[.wwwAuthenticate] == "Bearer")
            }
            let upload = try await client.upload(MultipartBody.files([("a.jpg", try Self.jpeg("private-a"))]))
            #expect(upload.status == .unauthorized)
            let formPost = try await client.execute(
                uri: "/photos/1/delete", method: .post,
                headers: [.accept: "text/html", .contentType: "application/x-www-form-urlencoded"])
            #expect(formPost.status == .seeOther)
            #expect(formPost.headers[.location]?.hasPrefix("/login?next=") == true)
            let login = try await client.execute(
                uri: "/login?next=/albums", method: .get, headers: [.accept: "text/html"])
            #expect(login.status == .ok)
            #expect(login.text.contains("name=\"next\" value=\"/albums\""))
            #expect(!login.text.contains("Signed in as"))
            #expect(!login.text.contains("action=\"/logout\""))
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let css = try await client.execute(uri: "/static/css/app.css", method: .get, headers: [.accept: "text/css"])
            #expect(css.status == .ok)
            #expect(css.headers[.contentType]?.hasPrefix("text/css") == true)
            #expect(harness.mediaFiles().isEmpty)
        }
    }

    @Test(
        "a public gallery shows anonymous visitors the photos but not the upload form, and refuses their uploads",
        arguments: DatabaseKind.allCases)
    func publicGallery(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend, galleryPublic: true) { harness, clients in
            try await harness.createUser("alice")
            let token = try await harness.createToken(for: "alice")
            #expect(
                try await clients[0].uploadWithToken(token.secret, [("a.jpg", try Self.jpeg("public-a"))]).status
                    == .created)
            let page = try await clients[0].execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(page.status == .ok)
            #expect(page.text.contains("class=\"tile"))
            #expect(!page.text.contains("data-upload-form"))
            #expect(page.text.contains("href=\"/login\""))
            let (listed, json) = try await clients[0].getJSON("/photos")
            #expect(listed.status == .ok)
            #expect((json["photos"] as? [Any])?.count == 1)
            let upload = try await clients[0].upload(MultipartBody.files([("b.jpg", try Self.jpeg("public-b"))]))
            #expect(upload.status == .unauthorized)
            let delete = try await clients[0].execute(
                uri: "/photos/1", method: .delete, headers: [.accept: "application/json"])
            #expect(delete.status == .unauthorized)
            #expect(try await harness.photos.photos(before: nil, limit: 10).count == 1)
        }
    }

    @Test("usernames are shown as text: markup in a name is escaped", arguments: [DatabaseKind.sqlite])
    func escapedUsernames(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            let name = "<script>alert(1)</script>"
            try await harness.createUser(name)
            let browser = try await SignedInBrowser.signIn(clients[0], name)
            let page = try await browser.get("/")
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.text.contains(name))
            var failed = try await SignedInBrowser.open(clients[0])
            let retry = try await failed.login("<img src=x onerror=alert(1)>", password: "nope nope")
            #expect(retry.status == .unauthorized)
            #expect(!retry.text.contains("<img src=x"))
        }
    }

    @Test("with sign-in not required, everything works without an account", arguments: [DatabaseKind.sqlite])
    func authOff(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend, required: false) { harness, clients in
            let upload = try await clients[0].upload(MultipartBody.files([("a.jpg", try Self.jpeg("off-a"))]))
            #expect(upload.status == .created)
            let page = try await clients[0].execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(page.text.contains("data-upload-form"))
            #expect(!page.text.contains("href=\"/login\""))
            #expect(try await clients[0].execute(uri: "/photos/1", method: .delete).status == .noContent)
        }
    }

    @Test(
        "changing a password ends the user's sessions; a deleted user's photos stay without an owner",
        arguments: DatabaseKind.allCases)
    func passwordChangeAndDelete(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice")
            let browser = try await SignedInBrowser.signIn(clients[0], "alice")
            let upload = try await browser.upload([("a.jpg", try Self.jpeg("pw-a"))])
            let id = try #require((upload.json["photos"] as? [[String: Any]])?.first?["id"] as? Int)
            #expect(
                try await harness.accounts.changePassword(
                    username: "Alice", passwordHash: try await harness.hasher.hash("new password 1")))
            #expect(try await browser.get("/", accept: "application/json").status == .unauthorized)
            #expect(try await harness.accounts.createUser(username: "ALICE", passwordHash: "x") == nil)
            #expect(try await harness.accounts.deleteUser(username: "alice"))
            #expect(try await harness.photos.photo(id: Int64(id))?.ownerID == nil)
            #expect(try await harness.accounts.deleteUser(username: "alice") == false)
        }
    }
}
