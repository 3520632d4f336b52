import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import NIOCore
import Testing

/// `POST /photos/bulk` through the router, on both databases: one action over many photos, all or nothing, answered
/// per id, under the ownership rules of a single photo.
@Suite("Bulk actions")
struct BulkTests {
    /// A session's JSON request as the selection bar sends it: the session cookie and `X-CSRF-Token`.
    static func bulk(_ browser: SignedInBrowser, _ body: Any) async throws -> TestResponse {
        try await browser.client.execute(
            uri: "/photos/bulk", method: .post,
            headers: [
                .accept: "application/json", .contentType: "application/json", .cookie: browser.cookie,
                HTTPField.Name("X-CSRF-Token")!: browser.csrf,
            ],
            body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
    }

    static func statuses(_ response: TestResponse) -> [Int: String] {
        var found: [Int: String] = [:]
        for result in response.json["results"] as? [[String: Any]] ?? [] {
            if let id = result["id"] as? Int { found[id] = result["status"] as? String }
        }
        return found
    }

    /// Copies photo 1 (owner, month and all) `count` times with new hashes, as if its owner had uploaded them.
    static func copies(of database: any SQLDatabase, count: Int) async throws {
        _ = try await database.write(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(count))
            INSERT INTO photos (hash, original_name, content_type, bytes, width, height, status, created_at,
                                updated_at, taken_at, taken_at_source, owner_id)
            SELECT \(postgres: "lpad(i::text, 64, '0')", sqlite: "printf('%064d', i)"), 'copy.jpg', content_type,
                   bytes, width, height, status, created_at, updated_at, taken_at, taken_at_source, owner_id
            FROM photos, n WHERE photos.id = 1
            """)
    }

    /// Makes every update of photo `id` fail (or stops it), as a database error halfway through a statement would.
    static func failing(_ id: Int, _ database: any SQLDatabase, _ backend: DatabaseKind, on: Bool) async throws {
        switch (backend, on) {
        case (.sqlite, true):
            _ = try await database.write(
                """
                CREATE TRIGGER refuse_one BEFORE UPDATE ON photos WHEN NEW.id = \(raw: String(id))
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        case (.sqlite, false): _ = try await database.write("DROP TRIGGER refuse_one")
        case (.postgres, true):
            _ = try await database.write(
                """
                CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.id = \(raw: String(id)) THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$
                """)
            _ = try await database.write(
                "CREATE TRIGGER refuse_one BEFORE UPDATE ON photos FOR EACH ROW EXECUTE FUNCTION refuse_one()")
        case (.postgres, false): _ = try await database.write("DROP TRIGGER refuse_one ON photos")
        }
    }

    @Test(
        "over 1,000 ids at once: one refused id changes nothing, without it all change; answers per id",
        arguments: DatabaseKind.allCases)
    func allOrNothing(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice")
            try await harness.createUser("bob")
            let alice = try await SignedInBrowser.signIn(clients[0], "alice")
            let bob = try await SignedInBrowser.signIn(clients[0], "bob")
            let taken = try ExifTestImages.jpeg(
                make: "Canon", model: "EOS", taken: "2020:05:01 10:00:00", offset: "+00:00")
            #expect(try await alice.upload([("a.jpg", taken)]).status == .created)
            try await Self.copies(of: harness.database, count: 1_200)
            let mine = Array(1...1_201)
            let upload = try await bob.upload([("b.jpg", try TestImages.uniqueJPEG(width: 20, height: 20, tag: "bob"))])
            let bobsPhoto = try #require((upload.json["photos"] as? [[String: Any]])?.first?["id"] as? Int)
            let before = try await alice.get("/timeline", accept: "application/json").json
            #expect(
                (before["buckets"] as? [[String: Any]])?.first { $0["month"] as? String == "2020-05" }?["count"] as? Int
                    == 1_201)

            // One photo that is not alice's: 403, and not one of the 1,202 moved.
            let refused = try await Self.bulk(alice, ["ids": mine + [bobsPhoto], "action": "trash"])
            #expect(refused.status == .forbidden)
            #expect((refused.json["message"] as? String)?.contains("\(bobsPhoto)") == true)
            #expect(try await harness.photos.trashed(.everyone, after: nil, limit: 10).isEmpty)

            // A statement that fails at one row (a trigger refuses photo 700) rolls the other 1,200 back.
            try await Self.failing(700, harness.database, backend, on: true)
            let failed = try await Self.bulk(alice, ["ids": mine, "action": "trash"])
            #expect(failed.status.code >= 500 && failed.json["error"] is String)
            #expect(try await harness.photos.trashed(.everyone, after: nil, limit: 10).isEmpty)
            let unchanged = try await alice.get("/timeline", accept: "application/json").json
            #expect(
                (unchanged["buckets"] as? [[String: Any]])?.first { $0["month"] as? String == "2020-05" }?["count"]
                    as? Int == 1_201)
            try await Self.failing(700, harness.database, backend, on: false)

            // Without it, all move at once, and the month's count follows in the same statement.
            let trashed = try await Self.bulk(alice, ["ids": mine + [99_999, 1], "action": "trash"])
            #expect(trashed.status == .ok)
            let statuses = Self.statuses(trashed)
            #expect(statuses.count == 1_202 && statuses[99_999] == "missing")
            #expect(mine.allSatisfy { statuses[$0] == "trashed" })
            #expect((trashed.json["results"] as? [[String: Any]])?.last?["id"] as? Int == 99_999)
            let after = try await alice.get("/timeline", accept: "application/json").json
            #expect((after["buckets"] as? [[String: Any]])?.contains { $0["month"] as? String == "2020-05" } == false)
            #expect(
                Self.statuses(try await Self.bulk(alice, ["ids": [1, 2], "action": "trash"])) == [
                    1: "already_trashed", 2: "already_trashed",
                ])
            // Bob's own is his to trash; alice's are not his to restore.
            #expect(try await Self.bulk(bob, ["ids": [1], "action": "restore"]).status == .forbidden)
            let restored = try await Self.bulk(alice, ["ids": mine, "action": "restore"])
            #expect(restored.status == .ok && Self.statuses(restored).values.allSatisfy { $0 == "restored" })
            #expect(Self.statuses(try await Self.bulk(alice, ["ids": [1], "action": "restore"])) == [1: "not_trashed"])

            // Favourites and albums: anyone who may change things, through the same repository methods.
            let starred = try await Self.bulk(bob, ["ids": [1, 2, 99_999], "action": "favorite"])
            #expect(Self.statuses(starred) == [1: "favorited", 2: "favorited", 99_999: "missing"])
            #expect(try await harness.photos.photo(id: 2)?.favorite == true)
            #expect(
                Self.statuses(try await Self.bulk(bob, ["ids": [2], "action": "unfavorite"])) == [2: "unfavorited"])
            let album = try await clients[0].execute(
                uri: "/albums", method: .post,
                headers: [
                    .accept: "application/json", .contentType: "application/json", .cookie: alice.cookie,
                    HTTPField.Name("X-CSRF-Token")!: alice.csrf,
                ],
                body: ByteBuffer(string: "{\"name\": \"Everything\"}"))
            let albumID = try #require(album.json["id"] as? Int)
            let added = try await Self.bulk(alice, ["ids": mine, "action": "add_to_album", "album": albumID])
            #expect(added.status == .ok && Self.statuses(added).values.allSatisfy { $0 == "added" })
            #expect(added.json["album"] as? Int == albumID && added.json["action"] as? String == "add_to_album")
            let albumPage = try await alice.get("/photos?album=\(albumID)&limit=200", accept: "application/json").json
            #expect((albumPage["photos"] as? [Any])?.count == 200)
            let again = try await Self.bulk(
                alice, ["ids": [1, bobsPhoto], "action": "add_to_album", "album": albumID])
            #expect(Self.statuses(again) == [1: "already_in_album", bobsPhoto: "added"])
            let removed = try await Self.bulk(
                alice, ["ids": [1, 2, 3], "action": "remove_from_album", "album": albumID])
            #expect(Self.statuses(removed) == [1: "removed", 2: "removed", 3: "removed"])
            #expect(
                Self.statuses(
                    try await Self.bulk(alice, ["ids": [1], "action": "remove_from_album", "album": albumID])) == [
                        1: "not_in_album"
                    ])

            // A bearer token works as a session does, without the CSRF header.
            let token = try await harness.createToken(for: "alice")
            let byToken = try await clients[0].execute(
                uri: "/photos/bulk", method: .post,
                headers: [
                    .accept: "application/json", .contentType: "application/json",
                    .authorization: "Bearer \(token.secret)",
                ],
                body: ByteBuffer(string: "{\"ids\": [5], \"action\": \"trash\"}"))
            #expect(Self.statuses(byToken) == [5: "trashed"])
            // A session's request without the CSRF header is refused, as every browser POST is.
            let forged = try await clients[0].execute(
                uri: "/photos/bulk", method: .post,
                headers: [.accept: "application/json", .contentType: "application/json", .cookie: alice.cookie],
                body: ByteBuffer(string: "{\"ids\": [6], \"action\": \"trash\"}"))
            #expect(forged.status == .forbidden)
            #expect(try await harness.photos.photo(id: 6)?.trashedAt == nil)
            let anonymous = try await clients[0].execute(
                uri: "/photos/bulk", method: .post,
                headers: [.accept: "application/json", .contentType: "application/json"],
                body: ByteBuffer(string: "{\"ids\": [6], \"action\": \"trash\"}"))
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test("bad bulk calls get a clear 4xx and change nothing", arguments: DatabaseKind.allCases)
    func validation(_ backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            try await harness.createUser("alice")
            let alice = try await SignedInBrowser.signIn(clients[0], "alice")
            #expect(
                try await alice.upload([("a.jpg", try TestImages.uniqueJPEG(width: 20, height: 20, tag: "v"))]).status
                    == .created)
            let cases: [(body: Any, status: HTTPResponse.Status, says: String)] = [
                (["ids": [], "action": "trash"], .badRequest, "at least one photo"),
                (["action": "trash"], .badRequest, "list of ids"),
                (["ids": [1]], .badRequest, "Name the action"),
                (["ids": [1], "action": "shred"], .badRequest, "Unknown action"),
                (["ids": [1], "action": "add_to_album"], .badRequest, "needs the album"),
                (["ids": [1], "action": "remove_from_album", "album": 0], .badRequest, "album must be"),
                (["ids": [1], "action": "add_to_album", "album": 424_242], .notFound, "no album 424242"),
                (["ids": ["one"], "action": "trash"], .badRequest, "whole numbers"),
                (["ids": [1.5], "action": "trash"], .badRequest, "whole numbers"),
                (["ids": [-1], "action": "trash"], .badRequest, "positive"),
                (["ids": Array(1...10_001), "action": "trash"], .contentTooLarge, "at most 10000"),
                ([1, 2, 3], .badRequest, "JSON object"),
            ]
            for (body, status, says) in cases {
                let response = try await Self.bulk(alice, body)
                #expect(response.status == status, "\(body): \(response.text)")
                #expect((response.json["message"] as? String)?.contains(says) == true, "\(body): \(response.text)")
                #expect(response.json["error"] is String)
            }
            let form = try await alice.postForm("/photos/bulk", ["ids": "1", "action": "trash"])
            #expect(form.status == .unsupportedMediaType)
            #expect(try await harness.photos.photo(id: 1)?.trashedAt == nil)
            // Exactly 10,000 is allowed: all missing but the one photo.
            let most = try await Self.bulk(alice, ["ids": Array(1...10_000), "action": "favorite"])
            #expect(
                most.status == .ok && Self.statuses(most)[1] == "favorited" && Self.statuses(most)[10_000] == "missing")
        }
    }
}
