import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import NIOCore
import Testing
import Web

/// Accounts in the browser, through the real router on both databases: an admin invites someone by a one-time
/// link, disables an account, issues a reset link and grants admin; a user changes their password and manages
/// their API tokens.
@Suite("Accounts in the browser")
struct AccountAdminTests {
    static let password = "correct horse battery"

    @Test(
        "an invite link works once: the person chooses a name and password and is signed in; then 410",
        arguments: DatabaseKind.allCases)
    func inviteOnce(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice", role: .admin)
            let admin = try await SignedInBrowser.signIn(clients[0], "alice")
            let made = try await admin.postForm(
                "/invites", ["note": "Grandma", "role": "member", "expires_in_days": "7"])
            #expect(made.status == .created)
            let path = try #require(Self.invitePath(made.text))
            #expect(made.text.contains("shown only this once"))
            let token = String(path.dropFirst("/invite/".count))
            // Only the hash is stored.
            let rows = try await harness.database.read("SELECT token_hash FROM account_links")
            #expect(try rows.map { try $0.decode("token_hash", as: String.self) } == [SecretToken.digest(token)])
            #expect(try await admin.get("/accounts").text.contains("Grandma · created"))

            var guest = try await SignedInBrowser.open(clients[0])
            let form = try await guest.get(path)
            #expect(form.status == .ok)
            #expect(form.text.contains("name=\"password_confirm\""))
            #expect(!form.text.contains("Grandma"))
            let pending = try await guest.get(path, accept: "application/json")
            #expect((pending.json["invite"] as? [String: Any])?["state"] as? String == "pending")
            #expect(!pending.text.contains("Grandma"))
            // Bad input re-shows the form and spends nothing.
            let short = try await guest.postForm(
                path, ["username": "bob", "password": "short", "password_confirm": "short"])
            #expect(short.status == .badRequest)
            #expect(short.text.contains("too short"))
            let taken = try await guest.postForm(
                path, ["username": "ALICE", "password": Self.password, "password_confirm": Self.password])
            #expect(taken.status == .conflict)
            let differ = try await guest.postForm(
                path, ["username": "bob", "password": Self.password, "password_confirm": "something else"])
            #expect(differ.status == .badRequest)

            let joined = try await guest.postForm(
                path, ["username": "bob", "password": Self.password, "password_confirm": Self.password])
            #expect(joined.status == .seeOther)
            #expect(joined.headers[.location] == "/")
            let cookie = try #require(SignedInBrowser.sessionCookie(joined))
            #expect(cookie.contains("HttpOnly"))
            guest.session = String(cookie.dropFirst("memories_session=".count).prefix { $0 != ";" })
            let home = try await guest.get("/")
            #expect(home.text.contains("Signed in as <strong>bob</strong>"))
            #expect(home.text.contains("href=\"/settings\""))
            #expect(!home.text.contains("href=\"/accounts\""))
            #expect(try await harness.accounts.credentials(username: "bob")?.user.role == .member)

            // Once only: the page and the post both answer 410 with a readable page, and JSON says so too.
            let again = try await guest.get(path)
            #expect(again.status == .gone)
            #expect(again.text.contains("already been used"))
            let reuse = try await SignedInBrowser.open(clients[0]).postForm(
                path, ["username": "carol", "password": Self.password, "password_confirm": Self.password])
            #expect(reuse.status == .gone)
            let json = try await clients[0].execute(uri: path, method: .get, headers: [.accept: "application/json"])
            #expect(json.status == .gone)
            #expect(json.json["error"] as? String == "gone")
            #expect(try await harness.accounts.credentials(username: "carol") == nil)
            #expect(try await admin.get("/accounts").text.contains("data-invite-id") == false)
        }
    }

    @Test(
        "expired and revoked invites answer 410, unknown ones 404; a fixed username is used",
        arguments: DatabaseKind.allCases)
    func expiredInvite(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice", role: .admin)
            let (secret, _) = try await harness.createToken(for: "alice")
            func invite(_ body: String) async throws -> TestResponse {
                try await clients[0].execute(
                    uri: "/invites", method: .post,
                    headers: [
                        .contentType: "application/json", .accept: "application/json",
                        .authorization: "Bearer \(secret)",
                    ], body: ByteBuffer(string: body))
            }
            let made = try await invite(#"{"username": "dave", "role": "admin", "expires_in_days": 3}"#)
            #expect(made.status == .created)
            let link = try #require(made.json["invite"] as? [String: Any])
            #expect(link["username"] as? String == "dave")
            #expect(link["role"] as? String == "admin")
            #expect(link["state"] as? String == "pending")
            let path = try #require(Self.invitePath(link["url"] as? String ?? ""))
            let listed = try await clients[0].execute(
                uri: "/invites", method: .get,
                headers: [.accept: "application/json", .authorization: "Bearer \(secret)"])
            #expect((listed.json["invites"] as? [[String: Any]])?.count == 1)
            #expect(!listed.text.contains(link["token"] as? String ?? "?"))

            #expect(try await invite(#"{"expires_in_days": 0}"#).status == .badRequest)
            #expect(try await invite(#"{"role": "owner"}"#).status == .badRequest)
            #expect(try await invite(#"{"username": "Alice"}"#).status == .conflict)
            // Lengths count Unicode scalars, as the database's CHECKs do: 40 letters with a combining accent (80
            // scalars) are too long a username, 150 for a note (300 scalars): a 400, not a failed insert.
            let accented = String(repeating: "e\u{0301}", count: 40)
            #expect(try await invite(#"{"username": "\#(accented)"}"#).status == .badRequest)
            let longNote = String(repeating: "e\u{0301}", count: 150)
            #expect(try await invite(#"{"note": "\#(longNote)"}"#).status == .badRequest)
            let longest = String(repeating: "\u{00E9}", count: 64)
            #expect(try await invite(#"{"username": "\#(longest)"}"#).status == .created)

            // Expired: the clock moves past it.
            _ = try await harness.database.write(
                "UPDATE account_links SET expires_at = \(Date().addingTimeInterval(-60)) WHERE username = 'dave'")
            let expired = try await clients[0].execute(uri: path, method: .get, headers: [.accept: "text/html"])
            #expect(expired.status == .gone)
            #expect(expired.text.contains("has expired"))
            let post = try await SignedInBrowser.open(clients[0]).postForm(
                path, ["password": Self.password, "password_confirm": Self.password])
            #expect(post.status == .gone)
            #expect(try await harness.accounts.credentials(username: "dave") == nil)

            // Revoked, then used anyway: 410; a fixed name is used when the link is good.
            let second = try #require(try await invite(#"{"username": "erin"}"#).json["invite"] as? [String: Any])
            let third = try #require(try await invite(#"{"username": "frank"}"#).json["invite"] as? [String: Any])
            let revoke = try await clients[0].execute(
                uri: "/invites/\(second["id"] as? Int ?? 0)", method: .delete,
                headers: [.authorization: "Bearer \(secret)"])
            #expect(revoke.status == .noContent)
            let revoked = try await clients[0].execute(
                uri: try #require(Self.invitePath(second["url"] as? String ?? "")), method: .get,
                headers: [.accept: "text/html"])
            #expect(revoked.status == .gone)
            let frank = try await SignedInBrowser.open(clients[0]).postForm(
                try #require(Self.invitePath(third["url"] as? String ?? "")),
                ["username": "ignored", "password": Self.password, "password_confirm": Self.password])
            #expect(frank.status == .seeOther)
            #expect(try await harness.accounts.credentials(username: "frank") != nil)
            #expect(try await harness.accounts.credentials(username: "ignored") == nil)

            let unknown = try await clients[0].execute(
                uri: "/invite/" + String(repeating: "A", count: 43), method: .get, headers: [.accept: "text/html"])
            #expect(unknown.status == .notFound)
        }
    }

    @Test(
        "members and anonymous visitors cannot manage accounts (403, 401); the nav shows Accounts to admins only",
        arguments: DatabaseKind.allCases)
    func nonAdmin(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice", role: .admin)
            let bob = try await harness.createUser("bob")
            let member = try await SignedInBrowser.signIn(clients[0], "bob")
            #expect(try await member.postForm("/invites", ["role": "admin"]).status == .forbidden)
            #expect(try await member.get("/accounts").status == .forbidden)
            #expect(
                try await member.get("/accounts", accept: "application/json").json["error"] as? String == "forbidden")
            #expect(try await member.postForm("/accounts/\(bob.id)/update", ["role": "admin"]).status == .forbidden)
            #expect(try await member.postForm("/accounts/\(bob.id)/reset", [:]).status == .forbidden)
            #expect(try await harness.accounts.pendingLinks(now: Date()).isEmpty)
            #expect(try await harness.accounts.credentials(username: "bob")?.user.role == .member)
            let anonymous = try await clients[0].execute(
                uri: "/accounts", method: .get, headers: [.accept: "application/json"])
            #expect(anonymous.status == .unauthorized)
            let admin = try await SignedInBrowser.signIn(clients[0], "alice")
            let page = try await admin.get("/accounts")
            #expect(page.status == .ok)
            #expect(page.text.contains("href=\"/accounts\" aria-current=\"page\""))
            #expect(page.text.contains("bob"))
            let list = try await admin.get("/accounts", accept: "application/json")
            let accounts = try #require(list.json["accounts"] as? [[String: Any]])
            #expect(accounts.map { $0["username"] as? String } == ["alice", "bob"])
            #expect(accounts[0]["role"] as? String == "admin")
            #expect(accounts[0]["last_sign_in_at"] is String)
            #expect(accounts[1]["disabled"] as? Bool == false)
        }
    }

    @Test(
        "a disabled account cannot sign in, and its session and API token stop working at once",
        arguments: DatabaseKind.allCases)
    func disabledAccount(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice", role: .admin)
            let bob = try await harness.createUser("bob")
            let (token, _) = try await harness.createToken(for: "bob")
            let bobBrowser = try await SignedInBrowser.signIn(clients[0], "bob")
            #expect(try await Self.bearerGet(clients[0], "/photos", token: token).status == .ok)
            let admin = try await SignedInBrowser.signIn(clients[0], "alice")
            let disabled = try await admin.sendJSON("/accounts/\(bob.id)", method: .patch, ["disabled": true])
            #expect(disabled.status == .ok)
            #expect((disabled.json["account"] as? [String: Any])?["disabled"] as? Bool == true)

            #expect(try await bobBrowser.get("/", accept: "application/json").status == .unauthorized)
            let refused = try await Self.bearerGet(clients[0], "/photos", token: token)
            #expect(refused.status == .unauthorized)
            #expect((refused.json["message"] as? String)?.contains("disabled") == true)
            var again = try await SignedInBrowser.open(clients[0])
            let login = try await again.login("bob", password: Self.password)
            #expect(login.status == .forbidden)
            #expect(login.text.contains("disabled"))
            #expect(again.session == nil)
            // Wrong password: the same answer as ever, nothing about the account's state.
            #expect(try await again.login("bob", password: "wrong password").text.contains("disabled") == false)
            #expect(try await admin.get("/accounts").text.contains("badge-disabled"))

            // Enabled again (the page's form): signing in and the token work again.
            let enabled = try await admin.postForm("/accounts/\(bob.id)/update", ["disabled": "false"])
            #expect(enabled.status == .seeOther)
            #expect(try await again.login("bob", password: Self.password).status == .seeOther)
            #expect(try await Self.bearerGet(clients[0], "/photos", token: token).status == .ok)
        }
    }

    @Test(
        "a reset link sets a new password, ends the old sessions and tokens, and the old password fails",
        arguments: DatabaseKind.allCases)
    func resetLink(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice", role: .admin)
            let bob = try await harness.createUser("bob")
            let oldSession = try await SignedInBrowser.signIn(clients[0], "bob")
            let (secret, _) = try await harness.createToken(for: "bob")
            let admin = try await SignedInBrowser.signIn(clients[0], "alice")
            let first = try await admin.sendJSON("/accounts/\(bob.id)/reset", method: .post, [:])
            #expect(first.status == .created)
            let firstPath = try #require(
                Self.invitePath((first.json["invite"] as? [String: Any])?["url"] as? String ?? ""))
            // A second reset replaces the first; made from the page, it shows the link once.
            let page = try await admin.postForm("/accounts/\(bob.id)/reset", [:])
            #expect(page.status == .created)
            let path = try #require(Self.invitePath(page.text))
            #expect(
                try await clients[0].execute(uri: firstPath, method: .get, headers: [.accept: "text/html"]).status
                    == .gone)
            #expect(try await admin.postForm("/accounts/99999/reset", [:]).status == .notFound)

            var browser = try await SignedInBrowser.open(clients[0])
            let form = try await browser.get(path)
            #expect(form.status == .ok)
            #expect(form.text.contains("Choose a new password for <strong>bob</strong>"))
            let newPassword = "a brand new password"
            let done = try await browser.postForm(path, ["password": newPassword, "password_confirm": newPassword])
            #expect(done.status == .seeOther)
            #expect(SignedInBrowser.sessionCookie(done) != nil)
            #expect(try await oldSession.get("/", accept: "application/json").status == .unauthorized)
            let byToken = try await clients[0].execute(
                uri: "/photos", method: .get,
                headers: [.accept: "application/json", .authorization: "Bearer \(secret)"])
            #expect(byToken.status == .unauthorized)
            #expect(try await browser.login("bob", password: Self.password).status == .unauthorized)
            #expect(try await browser.login("bob", password: newPassword).status == .seeOther)
            #expect(try await browser.get(path).status == .gone)
        }
    }

    @Test(
        "changing one's password needs the current one, and ends one's other sessions", arguments: DatabaseKind.allCases
    )
    func changePassword(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("bob")
            let here = try await SignedInBrowser.signIn(clients[0], "bob")
            let elsewhere = try await SignedInBrowser.signIn(clients[0], "bob")
            let settings = try await here.get("/settings")
            #expect(settings.status == .ok)
            #expect(settings.text.contains("href=\"/settings\" aria-current=\"page\""))
            let new = "another good password"
            let wrong = try await here.postForm(
                "/settings/password",
                ["current_password": "not my password", "new_password": new, "new_password_confirm": new])
            #expect(wrong.status == .forbidden)
            #expect(wrong.text.contains("current password is not right"))
            let short = try await here.postForm(
                "/settings/password",
                ["current_password": Self.password, "new_password": "short", "new_password_confirm": "short"])
            #expect(short.status == .badRequest)
            #expect(try await elsewhere.get("/", accept: "application/json").status == .ok)

            let changed = try await here.postForm(
                "/settings/password",
                ["current_password": Self.password, "new_password": new, "new_password_confirm": new])
            #expect(changed.status == .seeOther)
            #expect(changed.headers[.location] == "/settings?password=changed")
            #expect(try await here.get("/settings?password=changed").text.contains("Your password has been changed"))
            #expect(try await elsewhere.get("/", accept: "application/json").status == .unauthorized)
            var browser = try await SignedInBrowser.open(clients[0])
            #expect(try await browser.login("bob", password: Self.password).status == .unauthorized)
            #expect(try await browser.login("bob", password: new).status == .seeOther)
            // JSON, with the wrong current password: a JSON error.
            let json = try await here.sendJSON(
                "/settings/password", method: .post, ["current_password": "nope nope", "new_password": "whatever123"])
            #expect(json.status == .forbidden)
            #expect(json.json["error"] as? String == "wrong_password")
            #expect(
                try await clients[0].execute(uri: "/settings", method: .get, headers: [.accept: "application/json"])
                    .status == .unauthorized)
        }
    }

    @Test(
        "the last enabled admin cannot demote or disable themselves; with another admin they can",
        arguments: DatabaseKind.allCases)
    func lastAdmin(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            let alice = try await harness.createUser("alice", role: .admin)
            let bob = try await harness.createUser("bob")
            let admin = try await SignedInBrowser.signIn(clients[0], "alice")
            let demote = try await admin.sendJSON("/accounts/\(alice.id)", method: .patch, ["role": "member"])
            #expect(demote.status == .conflict)
            #expect(demote.json["error"] as? String == "last_admin")
            let disable = try await admin.sendJSON("/accounts/\(alice.id)", method: .patch, ["disabled": true])
            #expect(disable.status == .conflict)
            let form = try await admin.postForm("/accounts/\(alice.id)/update", ["role": "member"])
            #expect(form.status == .conflict)
            #expect(form.text.contains("last enabled admin"))
            #expect(try await harness.accounts.user(id: alice.id)?.role == .admin)
            #expect(try await admin.sendJSON("/accounts/\(alice.id)", method: .patch, [:]).status == .badRequest)
            #expect(try await admin.sendJSON("/accounts/99999", method: .patch, ["role": "admin"]).status == .notFound)

            let promote = try await admin.postForm("/accounts/\(bob.id)/update", ["role": "admin"])
            #expect(promote.status == .seeOther)
            let now = try await admin.sendJSON("/accounts/\(alice.id)", method: .patch, ["role": "member"])
            #expect(now.status == .ok)
            #expect((now.json["account"] as? [String: Any])?["role"] as? String == "member")
            // No longer an admin: at once.
            #expect(try await admin.get("/accounts").status == .forbidden)
            #expect(try await admin.get("/").text.contains("href=\"/accounts\"") == false)
        }
    }

    @Test(
        "API tokens from the settings page: made (shown once), used, listed without the secret, revoked",
        arguments: DatabaseKind.allCases)
    func settingsTokens(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("bob")
            try await harness.createUser("carol")
            let bob = try await SignedInBrowser.signIn(clients[0], "bob")
            #expect(try await bob.postForm("/settings/tokens", ["name": "  "]).status == .badRequest)
            let made = try await bob.postForm("/settings/tokens", ["name": "backup script"])
            #expect(made.status == .created)
            let secret = try #require(Self.firstMatch(#"mem_[A-Za-z0-9_-]{43}"#, in: made.text))
            #expect(try await Self.bearerGet(clients[0], "/photos", token: secret).status == .ok)
            let page = try await bob.get("/settings")
            #expect(page.text.contains("backup script"))
            #expect(!page.text.contains(secret))
            let listed = try await bob.get("/settings/tokens", accept: "application/json")
            let tokens = try #require(listed.json["tokens"] as? [[String: Any]])
            #expect(tokens.count == 1)
            #expect(tokens[0]["last_used_at"] is String)
            #expect(!listed.text.contains(secret))
            let id = try #require(tokens[0]["id"] as? Int)

            // Another user cannot revoke it.
            let carol = try await SignedInBrowser.signIn(clients[0], "carol")
            #expect(try await carol.postForm("/settings/tokens/\(id)/revoke", [:]).status == .notFound)
            #expect(try await Self.bearerGet(clients[0], "/photos", token: secret).status == .ok)
            let revoked = try await bob.postForm("/settings/tokens/\(id)/revoke", [:])
            #expect(revoked.status == .seeOther)
            #expect(try await Self.bearerGet(clients[0], "/photos", token: secret).status == .unauthorized)
            #expect(try await bob.get("/settings").text.contains("revoked"))

            // JSON: made with the secret in the answer, revoked with DELETE.
            let json = try await bob.sendJSON("/settings/tokens", method: .post, ["name": "phone"])
            #expect(json.status == .created)
            let token = try #require(json.json["token"] as? [String: Any])
            #expect((token["token"] as? String)?.hasPrefix("mem_") == true)
            let delete = try await bob.sendJSON("/settings/tokens/\(token["id"] as? Int ?? 0)", method: .delete, nil)
            #expect(delete.status == .noContent)
        }
    }

    @Test(
        "two people using one invite at once: one account is made, the other gets 410; two admins demoting each other at once leave one",
        arguments: DatabaseKind.allCases)
    func races(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend, servers: 2) { harness, clients in
            let alice = try await harness.createUser("alice", role: .admin)
            let bob = try await harness.createUser("bob", role: .admin)
            let (secret, _) = try await harness.createToken(for: "alice")
            let made = try await clients[0].execute(
                uri: "/invites", method: .post,
                headers: [.accept: "application/json", .authorization: "Bearer \(secret)"])
            let path = try #require(Self.invitePath((made.json["invite"] as? [String: Any])?["url"] as? String ?? ""))
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (index, name) in ["carol", "dave"].enumerated() {
                    group.addTask {
                        try await clients[index].execute(
                            uri: path, method: .post,
                            headers: [.contentType: "application/json", .accept: "application/json"],
                            body: ByteBuffer(string: #"{"username": "\#(name)", "password": "a long enough password"}"#)
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted { $0.code < $1.code } == [.created, .gone])
            #expect(try await harness.accounts.users().count == 3)

            let bobToken = try await harness.createToken(for: "bob").secret
            let demotions = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (index, (token, target)) in [(secret, bob.id), (bobToken, alice.id)].enumerated() {
                    group.addTask {
                        try await clients[index].execute(
                            uri: "/accounts/\(target)", method: .patch,
                            headers: [
                                .contentType: "application/json", .accept: "application/json",
                                .authorization: "Bearer \(token)",
                            ], body: ByteBuffer(string: #"{"role": "member"}"#)
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Whichever ran second found the other already demoted: it was the last admin, or no longer an admin.
            #expect(demotions.contains(.ok))
            #expect(!demotions.allSatisfy { $0 == .ok })
            #expect(try await harness.accounts.users().filter(\.isAdmin).count == 1)
        }
    }

    /// The first `/invite/TOKEN` path in a page or URL.
    static func invitePath(_ text: String) -> String? {
        firstMatch(#"/invite/[A-Za-z0-9_-]{43}"#, in: text)
    }

    static func firstMatch(_ pattern: String, in text: String) -> String? {
        guard let range = text.range(of: pattern, options: .regularExpression) else { return nil }
        return String(text[range])
    }

    static func bearerGet(_ client: any TestClientProtocol, _ uri: String, token: String) async throws -> TestResponse {
        try await client.execute(
            uri: uri, method: .get, headers: [.accept: "application/json", .authorization: "Bearer \(token)"])
    }
}

extension SignedInBrowser {
    /// Sends a JSON body (none when nil) with this browser's cookies and CSRF token.
    func sendJSON(_ uri: String, method: HTTPRequest.Method, _ object: [String: Any]?) async throws -> TestResponse {
        try await client.sendJSON(uri, method: method, object, cookie: cookie, csrf: csrf)
    }
}
