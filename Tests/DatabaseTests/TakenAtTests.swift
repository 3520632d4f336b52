import Database
import Foundation
import MemoriesTestSupport
import Testing

/// `taken_at`, the time the timeline sorts by: from EXIF with its offset, the camera's local time, or the upload.
@Suite("Taken at")
struct TakenAtTests {
    static func newPhoto(_ n: Int, capturedAt: String?, offset: String?) -> NewPhoto {
        NewPhoto(
            hash: String((String(repeating: "0", count: 64) + String(n, radix: 16)).suffix(64)),
            originalName: "p\(n).jpg", contentType: "image/jpeg", bytes: 100, width: 10, height: 10, orientation: 1,
            capturedAt: capturedAt, capturedOffset: offset)
    }

    /// Capture times, offsets and what the timeline makes of them (nil: the upload time).
    static let cases: [(String?, String?, String?, TakenAtSource)] = [
        ("2019-07-14T23:30:00", "+02:00", "2019-07-14T21:30:00Z", .exif),
        ("2019-07-14T00:30:00", "-05:30", "2019-07-14T06:00:00Z", .exif),  // across midnight and a time zone
        ("2019-07-14T23:30:00", nil, "2019-07-14T23:30:00Z", .exifLocal),
        ("2019-07-14T23:30:00", "bogus", "2019-07-14T23:30:00Z", .exifLocal),
        ("2024-02-29T12:00:00", nil, "2024-02-29T12:00:00Z", .exifLocal),
        ("2023-02-29T12:00:00", nil, nil, .upload),
        ("2023-04-31T12:00:00", "+01:00", nil, .upload),
        ("1900-02-29T12:00:00", nil, nil, .upload),
        (nil, "+01:00", nil, .upload),
    ]

    @Test("the rule: offset, local time, calendar checks, upload time")
    func rule() throws {
        let uploaded = Date(timeIntervalSince1970: 1_700_000_000)
        for (captured, offset, expected, source) in Self.cases {
            let (date, found) = TakenAtSource.takenAt(capturedAt: captured, offset: offset, uploadedAt: uploaded)
            #expect(found == source, "\(captured ?? "nil") \(offset ?? "nil")")
            let want = try expected.map { try Date.ISO8601FormatStyle().parse($0) } ?? uploaded
            #expect(date == want, "\(captured ?? "nil") \(offset ?? "nil")")
        }
    }

    @Test("inserted photos carry taken_at and its source", arguments: TestDatabase.Kind.allCases)
    func inserted(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind) { db in
            for (n, (captured, offset, expected, source)) in Self.cases.enumerated() {
                let photo = try await db.insertWithThumbnailJob(
                    Self.newPhoto(n + 1, capturedAt: captured, offset: offset), maxAttempts: 1
                ).photo
                #expect(photo.takenAtSource == source)
                let stored = try #require(try await db.photos.photo(id: photo.id))
                let want = try expected.map { try Date.ISO8601FormatStyle().parse($0) } ?? stored.createdAt
                #expect(abs(stored.takenAt.timeIntervalSince(want)) < 0.001)
                #expect(stored.takenAtSource == source)
            }
        }
    }

    @Test("the migration gives existing rows the same taken_at as the app", arguments: TestDatabase.Kind.allCases)
    func migration(_ kind: TestDatabase.Kind) async throws {
        try await TestDatabase.with(kind, migrated: false) { db in
            let all = try db.migrations
            let before = all.filter { $0.version < "0006" }
            try await Migrator(migrations: before).migrate(db.database)
            for (n, (captured, offset, _, _)) in Self.cases.enumerated() {
                try await db.execute(
                    """
                    INSERT INTO photos (hash, original_name, content_type, bytes, width, height, captured_at,
                                        captured_offset, status, created_at, updated_at)
                    VALUES (\(Self.newPhoto(n + 1, capturedAt: nil, offset: nil).hash), 'x.jpg', 'image/jpeg', 1, 1, 1,
                            \(captured), \(offset), 'queued', \(now: .text), \(now: .text))
                    """)
            }
            try await Migrator(migrations: all).migrate(db.database)
            for (n, (captured, offset, _, source)) in Self.cases.enumerated() {
                let photo = try #require(try await db.photos.photo(id: Int64(n + 1)))
                let (want, wantSource) = TakenAtSource.takenAt(
                    capturedAt: captured, offset: offset, uploadedAt: photo.createdAt)
                #expect(
                    photo.takenAtSource == source && wantSource == source, "\(captured ?? "nil") \(offset ?? "nil")")
                #expect(abs(photo.takenAt.timeIntervalSince(want)) < 0.001, "\(captured ?? "nil") \(offset ?? "nil")")
            }
        }
    }
}
