import AsyncHTTPClient
import Foundation
import MemoriesTestSupport
import NIOCore
import Testing

/// `app users` and `app tokens` as an operator runs them: real processes, the password on standard input,
/// then `app serve` accepting the token and refusing it once revoked.
@Suite("Account commands", .serialized)
struct AccountCommandTests {
    @Test(
        "users create reads the password from standard input, refuses short ones and duplicates; tokens work until revoked"
    )
    func usersAndTokens() async throws {
        try await Deployment.with(settings: ["BCRYPT_COST": "4"]) { deployment in
            try await deployment.migrate()
            let short = try await deployment.runCommand(["users", "create", "alice"], input: "short\n")
            #expect(short.status == 1)
            #expect(short.output.contains("app users create: the password is too short"))
            let empty = try await deployment.runCommand(["users", "create", "alice"], input: "")
            #expect(empty.status == 1)
            #expect(empty.output.contains("no password on standard input"))
            let created = try await deployment.runCommand(
                ["users", "create", "alice"], input: "a long enough password\n")
            #expect(created.status == 0, "\(created.output)")
            #expect(created.output.contains("created user alice"))
            #expect(!created.output.contains("a long enough password"))
            let duplicate = try await deployment.runCommand(["users", "create", "ALICE"], input: "another password\n")
            #expect(duplicate.status == 1)
            #expect(duplicate.output.contains("a user named ALICE already exists"))
            let badName = try await deployment.runCommand(
                ["users", "create", "two words"], input: "a long enough password\n")
            #expect(badName.status == 1)
            #expect(badName.output.contains("spaces"))
            #expect(try await deployment.runCommand(["users", "list"]).output.contains("alice"))
            #expect(try await deployment.count("users") == 1)
            // The first account is an admin; later ones are members unless made admins, and the last admin stays one.
            #expect(created.output.contains("admin)"))
            let bob = try await deployment.runCommand(["users", "create", "bob"], input: "a long enough password\n")
            #expect(bob.output.contains("member)"), "\(bob.output)")
            let last = try await deployment.runCommand(["users", "role", "alice", "member"])
            #expect(last.status == 1)
            #expect(last.output.contains("last enabled admin"))
            #expect(try await deployment.runCommand(["users", "role", "bob", "admin"]).status == 0)
            #expect(try await deployment.runCommand(["users", "role", "bob", "owner"]).status == 1)
            #expect(try await deployment.runCommand(["users", "list"]).output.contains("bob\tadmin"))
            #expect(try await deployment.runCommand(["users", "delete", "bob"]).status == 0)

            let missing = try await deployment.runCommand(["tokens", "create", "nobody"])
            #expect(missing.status == 1)
            #expect(missing.output.contains("there is no user named nobody"))
            let made = try await deployment.runCommand(["tokens", "create", "alice", "--name", "backup script"])
            #expect(made.status == 0)
            let token = try #require(made.output.split(separator: "\n").first { $0.hasPrefix("mem_") }.map(String.init))
            #expect(token.count == 47)
            let listed = try await deployment.runCommand(["tokens", "list", "alice"])
            #expect(listed.output.contains("backup script"))
            #expect(!listed.output.contains(token))

            try await deployment.serve(settings: ["AUTH_REQUIRED": "true"])
            #expect(try await Self.upload(deployment, token: nil, tag: "anon") == 401)
            #expect(try await Self.upload(deployment, token: token, tag: "alice") == 201)
            #expect(try await deployment.count("photos", where: "owner_id IS NOT NULL") == 1)
            let id = try #require(
                try await deployment.ids("SELECT id FROM api_tokens WHERE name = 'backup script'").first)
            #expect(try await deployment.runCommand(["tokens", "revoke", String(id)]).status == 0)
            #expect(try await Self.upload(deployment, token: token, tag: "revoked") == 401)
            #expect(try await deployment.runCommand(["tokens", "revoke", String(id)]).status == 1)

            let passwd = try await deployment.runCommand(["users", "passwd", "alice"], input: "a new long password\n")
            #expect(passwd.status == 0, "\(passwd.output)")
            let unknown = try await deployment.runCommand(["users", "passwd", "bob"], input: "a new long password\n")
            #expect(unknown.status == 1)
            #expect(unknown.output.contains("there is no user named bob"))
            #expect(try await deployment.runCommand(["users", "delete", "alice"]).status == 0)
            #expect(try await deployment.count("photos", where: "owner_id IS NULL") == 1)
        }
    }

    /// POSTs one JPEG with an optional bearer token; returns the status.
    static func upload(_ deployment: Deployment, token: String?, tag: String) async throws -> Int {
        let body = MultipartBody.files([("\(tag).jpg", try TestImages.uniqueJPEG(width: 16, height: 16, tag: tag))])
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(deployment.port)/photos")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: body.contentType)
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(body.buffer)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
