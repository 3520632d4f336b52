import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing

/// A resumable upload made with an account is that account's alone: anyone else, signed in or not, is told it does
/// not exist, cannot hold its lease, and cannot cancel it; the photo it becomes belongs to its creator.
@Suite("Resumable uploads belong to their creator")
struct TusOwnershipTests {
    @Test(
        "another user's HEAD, PATCH and DELETE get 404 and change nothing; the creator finishes it and owns the photo",
        arguments: DatabaseKind.allCases)
    func onlyTheCreator(backend: DatabaseKind) async throws {
        try await withAuthApps(backend) { harness, clients in
            let client = clients[0]
            let alice = try await harness.createUser("alice")
            try await harness.createUser("bob")
            let aliceToken = try await harness.createToken(for: "alice").secret
            let bobToken = try await harness.createToken(for: "bob").secret
            let bytes = try TestImages.uniqueJPEG(width: 64, height: 48, tag: "tus-owner")
            func tus(
                _ uri: String, _ method: HTTPRequest.Method, token: String?, _ headers: [String: String] = [:],
                body: [UInt8]? = nil
            )
                async throws -> TestResponse
            {
                var all = headers
                if let token { all["Authorization"] = "Bearer \(token)" }
                return try await client.tus(uri, method, headers: all, body: body)
            }
            let created = try await tus(
                "/uploads", .post, token: aliceToken,
                [
                    "Upload-Length": String(bytes.count),
                    "Upload-Metadata": "filename " + Data("a.jpg".utf8).base64EncodedString(),
                ])
            #expect(created.status == .created)
            let path = try #require(created.headers[.location])
            let half = bytes.count / 2
            #expect(
                try await tus(path, .patch, token: aliceToken, ["Upload-Offset": "0"], body: Array(bytes[0..<half]))
                    .status == .noContent)

            // Bob: nothing there for him, and his attempts change nothing.
            #expect(try await tus(path, .head, token: bobToken).status == .notFound)
            #expect(
                try await tus(
                    path, .patch, token: bobToken, ["Upload-Offset": String(half)], body: Array(bytes[half...])
                ).status == .notFound)
            #expect(try await tus(path, .delete, token: bobToken).status == .notFound)
            // With no account at all: refused too (401 or 404, never its progress).
            #expect([.unauthorized, .notFound].contains(try await tus(path, .head, token: nil).status))

            let head = try await tus(path, .head, token: aliceToken)
            #expect(head.status == .ok)
            #expect(head.headers[HTTPField.Name("Upload-Offset")!] == String(half))
            let finished = try await tus(
                path, .patch, token: aliceToken, ["Upload-Offset": String(half)], body: Array(bytes[half...]))
            #expect(finished.status == .created)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(finished.text.utf8)) as? [String: Any])
            let photoID = try #require(json["id"] as? Int)
            let photo = try #require(try await harness.photos.photo(id: Int64(photoID)))
            #expect(photo.ownerID == alice.id)
        }
    }
}
