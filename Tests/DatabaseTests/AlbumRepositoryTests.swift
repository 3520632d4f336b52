import Database
import Foundation
import Jobs
import MemoriesTestSupport
import Testing

/// The album repository's contract, written once and run against SQLite and PostgreSQL.
@Suite("Album repository")
struct AlbumRepositoryTests {
    static func newPhoto(_ n: Int, album: Int64? = nil) -> NewPhoto {
        NewPhoto(
            hash: String((String(repeating: "0", count: 64) + String(n, radix: 16)).suffix(64)),
            originalName: "p\(n).jpg", contentType: "image/jpeg", bytes: 100, width: 10, height: 10, orientation: 1,
            capturedAt: "2023-08-14T18:42:07", capturedOffset: "+02:00",
            camera: Camera(make: "Canon", model: "Canon EOS R5"),
            albumID: album)
    }

    /// The same checks for either backend.
    static func exercise(db: TestDatabase, albums: any AlbumRepository) async throws {
        let photos = db.photos
        let summer = try await albums.createAlbum(name: "Summer")
        let winter = try await albums.createAlbum(name: "Winter")
        for n in 1...6 {
            _ = try await db.insertWithThumbnailJob(newPhoto(n, album: n <= 5 ? summer.id : nil), maxAttempts: 3)
        }
        let stored = try #require(try await photos.photo(id: 1))
        #expect(stored.albumID == summer.id)
        #expect(stored.capturedOffset == "+02:00")
        #expect(stored.camera == Camera(make: "Canon", model: "Canon EOS R5"))

        let summaries = try await albums.albumSummaries()
        #expect(summaries.map(\.album.name) == ["Winter", "Summer"])
        #expect(summaries.map(\.photoCount) == [0, 5])
        #expect(summaries[1].previews.map(\.id) == [5, 4, 3, 2])
        #expect(try await albums.photoCount(inAlbum: summer.id) == 5)
        #expect(try await albums.photoCount(inAlbum: winter.id) == 0)

        #expect(try await albums.photos(in: .unsorted, before: nil, limit: 10).map(\.id) == [6])
        #expect(try await albums.photos(in: .album(summer.id), before: 4, limit: 2).map(\.id) == [3, 2])
        #expect(try await albums.photos(in: .all, before: nil, limit: 3).map(\.id) == [6, 5, 4])
        #expect(try await albums.allPhotos(inAlbum: summer.id).map(\.id) == [1, 2, 3, 4, 5])
        let third = try #require(try await photos.photo(id: 3))
        #expect(try await albums.neighbours(of: third, in: .album(summer.id)) == PhotoNeighbours(newer: 4, older: 2))
        let sixth = try #require(try await photos.photo(id: 6))
        #expect(try await albums.neighbours(of: sixth, in: .unsorted) == PhotoNeighbours(newer: nil, older: nil))

        #expect(try await albums.move(photoIDs: [1, 2, 99], toAlbum: winter.id) == 2)
        #expect(try await albums.move(photoIDs: [1], toAlbum: 12345) == nil)
        #expect(try await photos.photo(id: 1)?.albumID == winter.id)
        #expect(try await albums.move(photoIDs: [2], toAlbum: nil) == 1)
        #expect(try await albums.photos(in: .unsorted, before: nil, limit: 10).map(\.id) == [6, 2])

        let renamed = try await albums.renameAlbum(id: winter.id, name: "Winter in the Alps")
        #expect(renamed?.name == "Winter in the Alps")
        #expect(try await albums.renameAlbum(id: 12345, name: "x") == nil)
        #expect(try await albums.album(id: winter.id)?.name == "Winter in the Alps")
        _ = try await albums.createAlbum(name: "autumn")
        #expect(try await albums.albums().map(\.name) == ["autumn", "Summer", "Winter in the Alps"])
    }

    @Test("albums, previews, counts, scopes, neighbours, moves and EXIF columns", arguments: TestDatabase.Kind.allCases)
    func contract(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await Self.exercise(db: db, albums: SQLAlbumRepository(database: db.database))
        }
    }
}
