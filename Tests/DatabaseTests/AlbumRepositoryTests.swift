import Database
import Foundation
import Jobs
import MemoriesTestSupport
import Testing

/// The album repository's contract, written once and run against SQLite and PostgreSQL: albums are views over the
/// timeline, ordered by (taken_at, id) newest first.
@Suite("Album repository")
struct AlbumRepositoryTests {
    static func newPhoto(_ n: Int, taken: String? = nil, offset: String? = nil, album: Int64? = nil) -> NewPhoto {
        NewPhoto(
            hash: String((String(repeating: "0", count: 64) + String(n, radix: 16)).suffix(64)),
            originalName: "p\(n).jpg", contentType: "image/jpeg", bytes: 100, width: 10, height: 10, orientation: 1,
            capturedAt: taken, capturedOffset: offset, camera: Camera(make: "Canon", model: "Canon EOS R5"),
            albumID: album)
    }

    static func page(after: Int64? = nil, limit: Int = 10, month: (Date, Date)? = nil) -> PhotoPageQuery {
        PhotoPageQuery(after: after, takenBefore: month?.1, takenFrom: month?.0, limit: limit)
    }

    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    /// The same checks for either backend.
    static func exercise(db: TestDatabase, albums: any AlbumRepository) async throws {
        let photos = db.photos
        let summer = try await albums.createAlbum(name: "Summer")
        let winter = try await albums.createAlbum(name: "Winter")
        // 1 and 2 were taken in the same second (the id breaks the tie); 3 is on 31 July where it was taken and
        // 4 on 1 August, yet 4 came first: 3 is 04:30 UTC on 1 August, 4 is 23:00 UTC on 31 July. 5 has the
        // camera's local time only, 6 no capture time (it sorts by its upload, now).
        let taken: [(String?, String?)] = [
            ("2023-08-14T18:42:07", "+02:00"), ("2023-08-14T18:42:07", "+02:00"), ("2019-07-31T23:30:00", "-05:00"),
            ("2019-08-01T01:00:00", "+02:00"), ("2021-01-01T00:00:00", nil), (nil, nil),
        ]
        for (index, (time, offset)) in taken.enumerated() {
            let n = index + 1
            _ = try await db.insertWithThumbnailJob(
                newPhoto(n, taken: time, offset: offset, album: n <= 5 ? summer.id : nil), maxAttempts: 3)
        }
        let stored = try #require(try await photos.photo(id: 1))
        #expect(stored.albumIDs == [summer.id])
        #expect(stored.capturedOffset == "+02:00")
        #expect(stored.camera == Camera(make: "Canon", model: "Canon EOS R5"))
        #expect(try await photos.photo(id: 6)?.albumIDs == [])

        // The timeline and an album, newest first, by keyset.
        #expect(try await albums.photos(in: .all, page: page(limit: 3)).map(\.id) == [6, 2, 1])
        #expect(try await albums.photos(in: .all, page: page(after: 1)).map(\.id) == [5, 3, 4])
        #expect(try await albums.photos(in: .album(summer.id), page: page()).map(\.id) == [2, 1, 5, 3, 4])
        #expect(try await albums.photos(in: .album(summer.id), page: page(after: 5, limit: 2)).map(\.id) == [3, 4])
        #expect(try await albums.allPhotos(inAlbum: summer.id).map(\.id) == [4, 3, 5, 1, 2])
        let july = (utc("2019-07-01T00:00:00Z"), utc("2019-08-01T00:00:00Z"))
        let august = (utc("2019-08-01T00:00:00Z"), utc("2019-09-01T00:00:00Z"))
        #expect(try await albums.photos(in: .all, page: page(month: july)).map(\.id) == [4])
        #expect(try await albums.photos(in: .album(summer.id), page: page(month: august)).map(\.id) == [3])
        let fifth = try #require(try await photos.photo(id: 5))
        #expect(try await albums.neighbours(of: fifth, in: .album(summer.id)) == PhotoNeighbours(newer: 1, older: 3))
        let sixth = try #require(try await photos.photo(id: 6))
        #expect(try await albums.neighbours(of: sixth, in: .all) == PhotoNeighbours(newer: nil, older: 2))
        let thisMonth = String(Timestamp.iso8601(Date()).prefix(7))
        #expect(
            try await photos.timeline() == [
                TimelineBucket(month: thisMonth, count: 1), TimelineBucket(month: "2023-08", count: 2),
                TimelineBucket(month: "2021-01", count: 1), TimelineBucket(month: "2019-08", count: 1),
                TimelineBucket(month: "2019-07", count: 1),
            ])

        let summaries = try await albums.albumSummaries(before: nil, limit: 10)
        #expect(summaries.map(\.album.name) == ["Winter", "Summer"])
        #expect(summaries.map(\.photoCount) == [0, 5])
        #expect(summaries[1].previews.map(\.id) == [2, 1, 5, 3])
        #expect(try await albums.photoCount(inAlbum: summer.id) == 5)
        #expect(try await albums.albumSummaries(before: nil, limit: 1).map(\.album.name) == ["Winter"])
        #expect(try await albums.albumSummaries(before: winter.id, limit: 5).map(\.album.name) == ["Summer"])

        // A photo is in any number of albums, and once in the timeline.
        #expect(try await albums.add(photoIDs: [1, 6, 99], toAlbum: winter.id) == [1, 6])
        #expect(try await albums.add(photoIDs: [1], toAlbum: winter.id) == [])
        #expect(try await albums.add(photoIDs: [1], toAlbum: 12345) == nil)
        #expect(try await photos.photo(id: 1)?.albumIDs == [summer.id, winter.id])
        #expect(try await albums.photos(in: .all, page: page()).map(\.id) == [6, 2, 1, 5, 3, 4])
        #expect(try await albums.photos(in: .album(winter.id), page: page()).map(\.id) == [6, 1])

        // The same bytes uploaded into another album join it, without a second photo.
        let again = try await db.insertWithThumbnailJob(newPhoto(6, album: summer.id), maxAttempts: 3)
        #expect(!again.isNew && again.photo.id == 6 && again.photo.albumIDs == [summer.id, winter.id])

        // Covers come first among the previews, and only a member can be one.
        #expect(try await albums.setCover(albumID: summer.id, photoID: 3)?.coverPhotoID == 3)
        #expect(try await albums.albumSummaries(before: nil, limit: 10)[1].previews.map(\.id) == [3, 6, 2, 1])
        #expect(try await albums.setCover(albumID: winter.id, photoID: 4) == nil)
        #expect(try await albums.setCover(albumID: 12345, photoID: nil) == nil)
        #expect(try await albums.remove(photoIDs: [3, 4, 99], fromAlbum: summer.id) == [3, 4])
        #expect(try await albums.remove(photoIDs: [3], fromAlbum: 12345) == nil)
        #expect(try await albums.album(id: summer.id)?.coverPhotoID == nil)
        #expect(try await photos.photo(id: 3)?.albumIDs == [])

        // A corrected date moves the photo in the timeline, its months and its albums.
        let leapDay = try #require(CaptureTime(localTime: "2024-02-29T10:00:00", offset: "+00:00"))
        let corrected = try #require(try await photos.setCaptureTime(photoID: 1, to: leapDay))
        #expect(corrected.takenAt == utc("2024-02-29T10:00:00Z") && corrected.takenAtSource == .exif)
        #expect(try await albums.photos(in: .album(summer.id), page: page()).map(\.id) == [6, 1, 2, 5])
        #expect(try await albums.photos(in: .album(winter.id), page: page()).map(\.id) == [6, 1])
        #expect(try await photos.timeline().first { $0.month == "2024-02" }?.count == 1)
        #expect(try await photos.timeline().first { $0.month == "2023-08" }?.count == 1)
        #expect(try await photos.setCaptureTime(photoID: 12345, to: leapDay) == nil)
        #expect(CaptureTime(localTime: "2023-02-29T10:00:00", offset: nil) == nil)
        #expect(CaptureTime(localTime: "2023-02-28T10:00:00", offset: "+15:00") == nil)

        // Deleting an album keeps its photos; deleting a photo leaves its albums and the timeline.
        #expect(try await albums.deleteAlbum(id: winter.id))
        #expect(try await !albums.deleteAlbum(id: winter.id))
        #expect(try await photos.photo(id: 1)?.albumIDs == [summer.id])
        #expect(try await albums.photos(in: .all, page: page()).count == 6)
        _ = try await photos.delete(id: 2)
        #expect(try await albums.photoCount(inAlbum: summer.id) == 3)
        #expect(try await photos.timeline().first { $0.month == "2023-08" } == nil)

        let renamed = try await albums.renameAlbum(id: summer.id, name: "Summer in the Alps")
        #expect(renamed?.name == "Summer in the Alps")
        #expect(try await albums.renameAlbum(id: 12345, name: "x") == nil)
        let autumn = try await albums.createAlbum(name: "autumn")
        #expect(try await albums.recentAlbums(limit: 10).map(\.name) == ["autumn", "Summer in the Alps"])
        #expect(try await albums.recentAlbums(limit: 1).map(\.name) == ["autumn"])
        #expect(
            try await albums.albums(ids: [summer.id, autumn.id, 999]).map(\.name) == ["autumn", "Summer in the Alps"])
    }

    @Test(
        "albums as views: timeline order, keyset pages, months, members, covers, date fixes",
        arguments: TestDatabase.Kind.allCases)
    func contract(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            try await Self.exercise(db: db, albums: SQLAlbumRepository(database: db.database))
        }
    }

    @Test(
        "the migration turns album placements into memberships and counts the months",
        arguments: TestDatabase.Kind.allCases)
    func migration(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind, migrated: false) { db in
            let all = try db.migrations
            try await Migrator(migrations: all.filter { $0.version < "0007" }).migrate(db.database)
            try await db.execute(
                "INSERT INTO albums (name, created_at, updated_at) VALUES ('Trip', \(now: .text), \(now: .text))")
            for (n, album) in [(1, 1), (2, nil), (3, 1)] as [(Int, Int64?)] {
                try await db.execute(
                    """
                    INSERT INTO photos (hash, original_name, content_type, bytes, width, height, captured_at,
                                        captured_offset, status, created_at, updated_at, album_id, taken_at,
                                        taken_at_source)
                    VALUES (\(Self.newPhoto(n).hash), 'x.jpg', 'image/jpeg', 1, 1, 1, \("2019-07-0\(n)T10:00:00"), '+00:00',
                            'queued', \(now: .text), \(now: .text), \(album), \(Self.utc("2019-07-0\(n)T10:00:00Z")), 'exif')
                    """)
            }
            try await Migrator(migrations: all).migrate(db.database)
            let albums = SQLAlbumRepository(database: db.database)
            #expect(try await albums.photos(in: .album(1), page: Self.page()).map(\.id) == [3, 1])
            #expect(try await albums.photos(in: .all, page: Self.page()).map(\.id) == [3, 2, 1])
            #expect(try await db.photos.photo(id: 2)?.albumIDs == [])
            #expect(try await db.photos.timeline() == [TimelineBucket(month: "2019-07", count: 3)])
        }
    }

    @Test(
        "search: the walk's newest rows first, then the index, each giving the timeline's order",
        arguments: TestDatabase.Kind.allCases)
    func searchAttempts(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            // PostgreSQL tests 3 rows before asking the index; SQLite walks its FTS index either way.
            let albums = SQLAlbumRepository(database: db.database, searchWalkRows: 3)
            let trip = try await albums.createAlbum(name: "Trip")
            for n in 1...8 {
                var photo = Self.newPhoto(
                    n, taken: "2020-01-0\(n)T10:00:00", offset: "+00:00", album: n <= 4 ? trip.id : nil)
                photo.originalName = n == 1 ? "rare common.jpg" : "common \(n).jpg"
                _ = try await db.insertWithThumbnailJob(photo, maxAttempts: 3)
            }
            func search(_ text: String, _ scope: PhotoScope = .all, after: Int64? = nil, limit: Int = 2) async throws
                -> [Int64]
            {
                try await albums.photos(
                    in: scope, page: PhotoPageQuery(after: after, search: SearchWords(text), limit: limit)
                )
                .map(\.id)
            }
            #expect(try await search("common") == [8, 7])  // the newest rows fill the page
            #expect(try await search("common", after: 7) == [6, 5])
            #expect(try await search("rare") == [1])  // not among them: from the index
            #expect(try await search("comm jpg", after: 3, limit: 5) == [2, 1])
            #expect(try await search("common", .album(trip.id), limit: 3) == [4, 3, 2])
            #expect(try await search("rare trip", .album(trip.id)) == [1])
            #expect(try await search("trip", limit: 10) == [4, 3, 2, 1])
            #expect(try await search("trip common canon", limit: 10) == [4, 3, 2, 1])
            #expect(try await search("absent") == [])
        }
    }

    @Test(
        "search: a word's photos walked newest first, however old; prefixes merged; kept in step",
        arguments: TestDatabase.Kind.allCases)
    func searchWordWalk(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            // The timeline walk tests only the newest row, and a word walk with more to test reads 2 of its photos,
            // so on PostgreSQL most of these pages come from photo_words and the short ones from the GIN index.
            let albums = SQLAlbumRepository(database: db.database, searchWalkRows: 1, searchWordRows: 2)
            let names = [
                "old common", "olympus", "old", "common", "common", "old only", "olympus only", "common", "common",
            ]
            for (index, name) in names.enumerated() {
                var photo = Self.newPhoto(index + 1, taken: "2020-01-0\(index + 1)T10:00:00", offset: "+00:00")
                photo.originalName = name + ".jpg"
                _ = try await db.insertWithThumbnailJob(photo, maxAttempts: 3)
            }
            func search(
                _ text: String, _ scope: PhotoScope = .all, after: Int64? = nil, limit: Int = 10,
                favorites: Bool = false, month: Int? = nil
            ) async throws -> [Int64] {
                let from = month.map { Self.utc("2020-01-0\($0)T00:00:00Z") }
                let before = month.map { Self.utc("2020-01-0\($0 + 1)T00:00:00Z") }
                return try await albums.photos(
                    in: scope,
                    page: PhotoPageQuery(
                        after: after, takenBefore: before, takenFrom: from, favoritesOnly: favorites,
                        search: SearchWords(text), limit: limit)
                ).map(\.id)
            }
            #expect(try await search("old") == [6, 3, 1])  // old photos, none among the newest
            #expect(try await search("ol") == [7, 6, 3, 2, 1])  // old and olympus, merged in timeline order
            #expect(try await search("ol", limit: 2) == [7, 6])
            #expect(try await search("ÓLD", limit: 1) == [6])  // folded as the documents are
            #expect(try await search("ol", after: 6, limit: 2) == [3, 2])
            #expect(try await search("ol", month: 3) == [3])
            #expect(try await search("old common") == [1])  // old's 2 newest lack common: the index answers
            #expect(try await search("only ol") == [7, 6])
            #expect(try await search("oldest") == [])
            _ = try await db.photos.setFavorite(true, photoIDs: [2])
            #expect(try await search("ol", favorites: true) == [2])
            // In an album: its own walk first (1 row here), then the word's with membership tested.
            let trip = try await albums.createAlbum(name: "Trip")
            _ = try await albums.add(photoIDs: [1, 3, 4, 5, 8], toAlbum: trip.id)
            #expect(try await search("old", .album(trip.id)) == [3, 1])
            #expect(try await search("old", .album(trip.id), limit: 1) == [3])
            #expect(try await search("old", .album(trip.id), after: 3) == [1])
            #expect(try await search("trip ol") == [3, 1])

            _ = try await db.photos.trash(photoIDs: [6])
            #expect(try await search("old") == [3, 1])
            // A date fix moves the photo in the walk; a purge takes its words away.
            _ = try await db.photos.setCaptureTime(
                photoID: 1, to: CaptureTime(localTime: "2020-01-09T12:00:00", offset: "+00:00")!)
            #expect(try await search("old") == [1, 3])
            _ = try await db.photos.delete(id: 3)
            #expect(try await search("old") == [1])
            if kind == .postgres {
                let rows = try await db.database.read("SELECT count(*) AS n FROM photo_words WHERE photo_id = 3")
                #expect(try rows.first?.decode("n", as: Int.self) == 0)
            }
        }
    }

    @Test("the search migration indexes the photos and albums already there", arguments: TestDatabase.Kind.allCases)
    func searchMigration(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind, migrated: false) { db in
            let all = try db.migrations
            try await Migrator(migrations: all.filter { $0.version < "0012" }).migrate(db.database)
            let before = SQLAlbumRepository(database: db.database)
            let album = try await before.createAlbum(name: "Grandma's 90th")
            let photos = db.photos
            for n in 1...2 {
                // The photos alone: today's job insert names columns (0015's traceparent) this old schema lacks.
                let photo = Self.newPhoto(
                    n, taken: "2019-07-0\(n)T10:00:00", offset: "+00:00", album: n == 1 ? album.id : nil)
                _ = try await db.database.transaction { try await photos.insert(photo, in: $0) }
            }
            try await Migrator(migrations: all).migrate(db.database)
            let albums = SQLAlbumRepository(database: db.database)
            let page = { (text: String) in PhotoPageQuery(search: SearchWords(text), limit: 10) }
            #expect(try await albums.photos(in: .all, page: page("grandma")).map(\.id) == [1])
            #expect(try await albums.photos(in: .all, page: page("p2")).map(\.id) == [2])
            #expect(try await albums.photos(in: .all, page: page("eos r5")).map(\.id) == [2, 1])
            #expect(try await albums.photos(in: .album(album.id), page: page("canon")).map(\.id) == [1])
        }
    }
}
