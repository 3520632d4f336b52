import Database
import Foundation
import Jobs
import MemoriesTestSupport
import Testing

/// The share-link repository's contract on SQLite and PostgreSQL: links by token hash, permissions and expiry as
/// stored, revocation, owners' lists, and guests' uploads attributed to their link.
@Suite("Share link repository")
struct ShareLinkRepositoryTests {
    static func hash(_ n: Int) -> String {
        String((String(repeating: "0", count: 64) + String(n, radix: 16)).suffix(64))
    }

    @Test(
        "links are found by token hash, listed, revoked; guest uploads are theirs",
        arguments: TestDatabase.Kind.allCases)
    func contract(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            let albums = SQLAlbumRepository(database: db.database)
            let links = SQLShareLinkRepository(database: db.database)
            let album = try await albums.createAlbum(name: "Family")
            let other = try await albums.createAlbum(name: "Private")
            for n in 1...3 {
                _ = try await db.insertWithThumbnailJob(
                    AlbumRepositoryTests.newPhoto(n, album: n == 3 ? other.id : album.id), maxAttempts: 3)
            }
            let expiry = Date(timeIntervalSince1970: 2_000_000_000)
            let made = try #require(
                try await links.create(
                    NewShareLink(
                        tokenHash: Self.hash(0xA1), target: .album(album.id), ownerID: nil, passwordHash: "$2b$04$x",
                        permissions: SharePermissions(download: false, upload: true, view: true), expiresAt: expiry)))
            #expect(made.target == .album(album.id))
            #expect(made.permissions == SharePermissions(download: false, upload: true, view: true))
            #expect(made.expiresAt == expiry && made.revokedAt == nil && made.passwordHash == "$2b$04$x")
            #expect(try await links.link(tokenHash: Self.hash(0xA1)) == made)
            #expect(try await links.link(tokenHash: Self.hash(0xA2)) == nil)
            let photoLink = try #require(
                try await links.create(
                    NewShareLink(
                        tokenHash: Self.hash(0xB1), target: .photo(1), ownerID: nil, passwordHash: nil,
                        permissions: SharePermissions(), expiresAt: nil)))
            #expect(photoLink.target == .photo(1) && photoLink.expiresAt == nil)
            // A link to something that is not there is not made.
            #expect(
                try await links.create(
                    NewShareLink(
                        tokenHash: Self.hash(0xC1), target: .album(999), ownerID: nil, passwordHash: nil,
                        permissions: SharePermissions(), expiresAt: nil)) == nil)

            // A guest's upload joins the album, attributed to the link; a duplicate joins without a copy.
            let guest = AlbumRepositoryTests.newPhoto(4, album: album.id)
            var attributed = guest
            attributed.addedByLinkID = made.id
            _ = try await db.insertWithThumbnailJob(attributed, maxAttempts: 3)
            var duplicate = AlbumRepositoryTests.newPhoto(3, album: album.id)
            duplicate.addedByLinkID = made.id
            let outcome = try await db.insertWithThumbnailJob(duplicate, maxAttempts: 3)
            #expect(!outcome.isNew && outcome.photo.id == 3)
            #expect(try await links.guestUploads(linkID: made.id, limit: 10).map(\.id).sorted() == [3, 4])
            #expect(
                try await links.photos(hashes: [Self.hash(4), Self.hash(1)], inAlbum: album.id, addedByLink: made.id)
                    .map(\.id) == [4])
            #expect(
                try await links.photos(hashes: [Self.hash(4), Self.hash(1)], inAlbum: album.id, addedByLink: nil)
                    .map(\.id).sorted() == [1, 4])
            #expect(try await links.photos(ids: [1, 2, 3, 4, 99], inAlbum: other.id).map(\.id) == [3])

            let listed = try await links.links(ownerID: nil)
            #expect(listed.map(\.link.id) == [photoLink.id, made.id])
            #expect(listed.map(\.targetName) == ["p1.jpg", "Family"])
            #expect(listed.map(\.guestUploadCount) == [0, 2])
            #expect(try await links.links(ownerID: 42).isEmpty)

            #expect(try await links.revoke(id: made.id, ownerID: 42) == false)
            #expect(try await links.revoke(id: made.id, ownerID: nil))
            #expect(try await links.revoke(id: made.id, ownerID: nil) == false)
            let revoked = try #require(try await links.link(id: made.id))
            #expect(revoked.state(at: Date()) == .revoked)
            #expect(photoLink.state(at: Date()) == .active)
            #expect(made.state(at: expiry) == .expired)

            // Deleting the album takes its links with it.
            _ = try await albums.deleteAlbum(id: album.id)
            #expect(try await links.link(tokenHash: Self.hash(0xA1)) == nil)
        }
    }
}
