import AsyncHTTPClient
import Composition
import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import Imaging
import Ingest
import Jobs
import MemoriesTestSupport
import NIOCore
import Storage
import Testing

/// The trash through the router (issue 26): what DELETE moves there is out of every listing and count until it is
/// restored (with its albums and star) or purged (the rows first, then the files no photo still has), on both
/// databases and both stores.
@Suite("Trash")
struct TrashTests {
    /// The app over a fresh workspace on `database`, with the runtime behind it: its repositories, its store, and SQL
    /// on its database (for moving time).
    struct Harness: Sendable {
        let runtime: Runtime
        let client: any TestClientProtocol
        let sql: TestSQL
        let workspace: TestWorkspace
        let browser: BrowserSession

        /// Runs a worker over the app's own database and store until no photo is queued or processing.
        func runWorker() async throws {
            let worker = Worker(
                queue: runtime.queue,
                processor: ThumbnailProcessor(
                    photos: runtime.photos, queue: runtime.queue, store: runtime.store, options: PipelineOptions()),
                configuration: WorkerConfiguration(
                    concurrency: 2, lease: .seconds(30), heartbeat: .seconds(5), minPollInterval: .milliseconds(10),
                    maxPollInterval: .milliseconds(100), shutdownGrace: .seconds(5), workerID: "trash-test"),
                wake: WakeSignal(), logger: workspace.logger)
            try await TestWorkspace.run(worker, until: runtime.photos, isIdleWithin: .seconds(60))
        }

        /// Uploads one file as the page does; answers its photo JSON.
        func upload(_ name: String, _ bytes: [UInt8]) async throws -> [String: Any] {
            let response = try await browser.upload([(name, bytes)])
            #expect(response.status == .created || response.status == .ok, "\(name): \(response.text)")
            return try #require((response.json["photos"] as? [[String: Any]])?.first)
        }

        /// Whether every file of the photo with `hash` (original and derivatives) is in the store.
        func files(of hash: String, original ext: String = "jpg") async throws -> [Bool] {
            var keys = [MediaKey(kind: .original, hash: hash, fileExtension: ext)]
            keys += [MediaKey.Kind.display, .thumbnail].map { MediaKey(kind: $0, hash: hash, fileExtension: "jpg") }
            var present: [Bool] = []
            for key in keys { present.append(try await runtime.store.size(of: key) != nil) }
            return present
        }

        func bulk(_ body: [String: Any]) async throws -> TestResponse {
            try await browser.sendJSON("/photos/bulk", method: .post, body)
        }
    }

    static func withHarness(
        _ database: DatabaseKind, store: (any MediaStore)? = nil, trashDays: Int = 30,
        _ body: @escaping @Sendable (Harness) async throws -> Void
    ) async throws {
        try await withWorkspace(store: store) { workspace in
            var configuration = try Configuration.test(root: workspace.root)
            configuration.trashDays = trashDays
            try await database.with(configuration, workspace: workspace) { configuration, sql in
                try await withWebApp(configuration, logger: workspace.logger, overrides: Overrides(store: store)) {
                    runtime, client in
                    let browser = try await BrowserSession.start(client)
                    try await body(
                        Harness(runtime: runtime, client: client, sql: sql, workspace: workspace, browser: browser))
                }
            }
        }
    }

    static func ids(_ json: [String: Any]) -> [Int] {
        (json["photos"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } ?? []
    }

    static func counts(_ timeline: [String: Any]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for bucket in timeline["buckets"] as? [[String: Any]] ?? [] {
            if let month = bucket["month"] as? String { counts[month] = bucket["count"] as? Int }
        }
        return counts
    }

    @Test(
        "a trashed photo leaves every listing and count, and restore brings it back with its albums and star",
        arguments: DatabaseKind.allCases)
    func trashAndRestore(_ database: DatabaseKind) async throws {
        try await Self.withHarness(database) { app in
            let client = app.client
            let browser = app.browser
            _ = try await app.upload(
                "beach.jpg",
                try ExifTestImages.jpeg(make: "Canon", model: "EOS", taken: "2019:07:14 18:42:07", offset: "+02:00"))
            _ = try await app.upload(
                "hills.jpg",
                try ExifTestImages.jpeg(make: "Canon", model: "EOS", taken: "2019:07:20 10:00:00", offset: "+02:00"))
            let album = try await browser.sendJSON("/albums", method: .post, ["name": "Summer"])
            let albumID = try #require(album.json["id"] as? Int)
            #expect(
                try await browser.sendJSON("/albums/\(albumID)/photos", method: .post, ["photos": [1, 2]]).status == .ok
            )
            #expect(try await browser.sendJSON("/albums/\(albumID)", method: .patch, ["cover": 1]).status == .ok)
            #expect(try await browser.sendJSON("/photos/1", method: .patch, ["favorite": true]).status == .ok)
            let link = try await browser.makeLink("/albums/\(albumID)/links")
            let photoLink = try await browser.makeLink("/photos/1/links")
            try await app.runWorker()
            #expect(Self.counts(try await client.getJSON("/timeline").1)["2019-07"] == 2)

            let trashed = try await browser.sendJSON("/photos/1", method: .delete, nil)
            #expect(trashed.status == .noContent)
            // Trashing again changes nothing.
            #expect(try await browser.sendJSON("/photos/1", method: .delete, nil).status == .noContent)

            // Gone from the gallery, its month and count, favourites, the album, its cover and count, ZIPs, shares.
            #expect(Self.ids(try await client.getJSON("/photos").1) == [2])
            #expect(try await browser.get("/").text.contains("href=\"/photos/1\"") == false)
            #expect(Self.counts(try await client.getJSON("/timeline").1)["2019-07"] == 1)
            #expect(Self.ids(try await client.getJSON("/photos?month=2019-07").1) == [2])
            #expect(Self.ids(try await client.getJSON("/photos?favorite=true").1) == [])
            #expect(Self.ids(try await client.getJSON("/photos?album=\(albumID)").1) == [2])
            let albums = try #require(try await client.getJSON("/albums").1["albums"] as? [[String: Any]])
            #expect(albums.first?["photo_count"] as? Int == 1)
            #expect((albums.first?["previews"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [2])
            let zip = try await browser.get("/albums/\(albumID)/download", accept: "*/*")
            #expect(zip.status == .ok && zip.text.contains("hills.jpg") && !zip.text.contains("beach.jpg"))
            #expect(Self.ids(try await client.getJSON(link.sharePath).1) == [2])
            #expect(try await client.getJSON(link.sharePath + "/photos/1").0.status == .notFound)
            let sharedZip = try await browser.get(link.sharePath + "/download", accept: "*/*")
            #expect(sharedZip.status == .ok && !sharedZip.text.contains("beach.jpg"))
            #expect(try await client.getJSON(photoLink.sharePath).0.status == .notFound)
            #expect(try await browser.get(photoLink.sharePath + "/download", accept: "*/*").status == .notFound)
            // Nor can a new link be made to it.
            #expect(
                try await browser.sendJSON("/photos/1/links", method: .post, [:]).status == .notFound)

            // Still there for its owner: its page says so, its JSON has trashed_at, the trash lists it.
            let (shown, json) = try await client.getJSON("/photos/1")
            #expect(shown.status == .ok && json["trashed_at"] is String)
            let page = try await browser.get("/photos/1").text
            #expect(page.contains("This photo is in the trash.") && page.contains("data-restore=\"1\""))
            let (_, trash) = try await client.getJSON("/trash")
            #expect(Self.ids(trash) == [1] && trash["trash_days"] as? Int == 30)
            #expect((trash["photos"] as? [[String: Any]])?.first?["trashed_at"] is String)
            let trashPage = try await browser.get("/trash").text
            #expect(trashPage.contains("beach.jpg") && trashPage.contains("Removed for good on"))
            #expect(trashPage.contains("action=\"/trash/empty\""))
            #expect(try await app.files(of: try #require(json["hash"] as? String)) == [true, true, true])

            // Restored: its albums, star, cover and month back.
            let restored = try await browser.sendJSON("/photos/1/restore", method: .post, nil)
            #expect(restored.status == .ok && restored.json["trashed_at"] is NSNull)
            #expect(restored.json["albums"] as? [Int] == [albumID] && restored.json["favorite"] as? Bool == true)
            #expect(Self.ids(try await client.getJSON("/photos").1) == [2, 1])
            #expect(Self.counts(try await client.getJSON("/timeline").1)["2019-07"] == 2)
            #expect(Self.ids(try await client.getJSON("/photos?favorite=true").1) == [1])
            let back = try #require(try await client.getJSON("/albums").1["albums"] as? [[String: Any]])
            #expect(back.first?["photo_count"] as? Int == 2 && back.first?["cover"] as? Int == 1)
            #expect((back.first?["previews"] as? [[String: Any]])?.first?["id"] as? Int == 1)
            #expect(Self.ids(try await client.getJSON(link.sharePath).1) == [2, 1])
            #expect(try await client.getJSON(photoLink.sharePath).0.status == .ok)
            #expect(Self.ids(try await client.getJSON("/trash").1) == [])
            // The page's form goes back to the trash when asked to.
            _ = try await browser.sendJSON("/photos/2", method: .delete, nil)
            let form = try await browser.postForm("/photos/2/restore", ["back": "trash"])
            #expect(form.status == .seeOther && form.headers[.location] == "/trash")
            #expect(try await browser.postForm("/photos/99/restore", [:]).status == .notFound)
        }
    }

    @Test("the trash pages with a keyset cursor, most recently trashed first", arguments: DatabaseKind.allCases)
    func paging(_ database: DatabaseKind) async throws {
        try await Self.withHarness(database) { app in
            for index in 1...3 {
                _ = try await app.upload(
                    "p\(index).jpg", try TestImages.uniqueJPEG(width: 20, height: 20, tag: "p\(index)"))
            }
            for id in [2, 1, 3] {
                #expect(try await app.browser.sendJSON("/photos/\(id)", method: .delete, nil).status == .noContent)
            }
            // Trashed in the same instant on a fast machine: ids break the tie, so set distinct times.
            try await app.sql.execute(
                "UPDATE photos SET trashed_at = " + Self.daysAgo(1, database) + " WHERE id = 2")
            try await app.sql.execute(
                "UPDATE photos SET trashed_at = " + Self.daysAgo(0.5, database) + " WHERE id = 1")
            let (_, first) = try await app.client.getJSON("/trash?limit=2")
            #expect(Self.ids(first) == [3, 1] && first["next"] as? Int == 1)
            let (_, second) = try await app.client.getJSON("/trash?limit=2&after=1")
            #expect(Self.ids(second) == [2] && second["next"] is NSNull)
            #expect(try await app.client.getJSON("/trash?limit=0").0.status == .badRequest)
            #expect(try await app.client.getJSON("/trash?after=x").0.status == .badRequest)
            #expect(try await app.browser.get("/trash?after=1").text.contains("p2.jpg"))
        }
    }

    /// SQL for a time `days` ago, as each database stores `trashed_at`.
    static func daysAgo(_ days: Double, _ database: DatabaseKind) -> String {
        switch database {
        case .sqlite: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-\(Int(days * 86_400)) seconds')"
        case .postgres: "now() - interval '\(Int(days * 86_400)) seconds'"
        }
    }

    /// Empty, permanent delete and the sweep after TRASH_DAYS each remove the rows, then the files; a photo that
    /// is not purged keeps its files, and so does a hash uploaded again after its row was deleted.
    static func purges(_ app: Harness, database: DatabaseKind) async throws {
        var hashes: [String] = []
        for index in 1...4 {
            let photo = try await app.upload(
                "p\(index).jpg", try TestImages.uniqueJPEG(width: 120, height: 80, tag: "purge\(index)"))
            hashes.append(try #require(photo["hash"] as? String))
        }
        try await app.runWorker()
        for hash in hashes { #expect(try await app.files(of: hash) == [true, true, true]) }

        // Empty trash: the trashed ones go, the live one stays.
        for id in [1, 2] { _ = try await app.browser.sendJSON("/photos/\(id)", method: .delete, nil) }
        let emptied = try await app.browser.sendJSON("/trash/empty", method: .post, nil)
        #expect(emptied.status == .ok && emptied.json["purged"] as? Int == 2)
        #expect(try await app.files(of: hashes[0]) == [false, false, false])
        #expect(try await app.files(of: hashes[1]) == [false, false, false])
        #expect(try await app.files(of: hashes[2]) == [true, true, true])
        #expect(try await app.sql.count("photos") == 2)
        #expect(try await app.client.getJSON("/photos/1").0.status == .notFound)

        // A permanent delete, trashed first or not.
        let permanent = try await app.browser.sendJSON("/photos/3?permanent=true", method: .delete, nil)
        #expect(permanent.status == .noContent)
        #expect(try await app.files(of: hashes[2]) == [false, false, false])
        #expect(try await app.browser.sendJSON("/photos/3?permanent=maybe", method: .delete, nil).status == .badRequest)

        // The sweep purges what has been in the trash longer than TRASH_DAYS, and only that.
        _ = try await app.browser.sendJSON("/photos/4", method: .delete, nil)
        let sweeper = try #require(app.runtime.workerServices(wake: WakeSignal()).compactMap { $0 as? Sweeper }.first)
        #expect(await sweeper.sweep(includeFiles: false).purgedFromTrash == 0)
        #expect(try await app.files(of: hashes[3]) == [true, true, true])
        try await app.sql.execute("UPDATE photos SET trashed_at = " + Self.daysAgo(31, database) + " WHERE id = 4")
        #expect(await sweeper.sweep(includeFiles: false).purgedFromTrash == 1)
        #expect(try await app.files(of: hashes[3]) == [false, false, false])
        #expect(try await app.sql.count("photos") == 0)
        #expect(try await app.sql.count("jobs") == 0)
        #expect(Self.counts(try await app.client.getJSON("/timeline").1).values.allSatisfy { $0 == 0 })

        // The same bytes uploaded again between a purge's row delete and its file delete keep their files.
        let again = try TestImages.uniqueJPEG(width: 120, height: 80, tag: "again")
        let first = try await app.upload("again.jpg", again)
        let hash = try #require(first["hash"] as? String)
        _ = try await app.browser.sendJSON("/photos/\(try #require(first["id"] as? Int))", method: .delete, nil)
        let purged = try await app.runtime.photos.purgeTrash(.everyone, ids: nil, olderThan: nil, limit: 10)
        #expect(purged.map(\.hash) == [hash])
        _ = try await app.upload("again.jpg", again)
        let purge = MediaPurge(photos: app.runtime.photos, store: app.runtime.store, logger: app.workspace.logger)
        #expect(await purge.removeFiles(of: purged) == 0)
        #expect(
            try await app.runtime.store.size(of: MediaKey(kind: .original, hash: hash, fileExtension: "jpg")) != nil)
    }

    @Test("purging removes the files from a local folder", arguments: DatabaseKind.allCases)
    func purgeLocal(_ database: DatabaseKind) async throws {
        try await Self.withHarness(database) { app in try await Self.purges(app, database: database) }
    }

    @Test("purging removes the objects from S3 (moto)", arguments: DatabaseKind.allCases)
    func purgeS3(_ database: DatabaseKind) async throws {
        guard let endpoint = S3UploadTests.endpoint else {
            print("skipped: MEMORIES_TEST_S3_ENDPOINT not set (scripts/test starts moto)")
            return
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let store = try await S3UploadTests.makeStore(endpoint: endpoint, client: client)
            try await Self.withHarness(database, store: store) { app in
                #expect(app.workspace.mediaFiles().isEmpty)
                try await Self.purges(app, database: database)
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test("uploading the bytes of a trashed photo restores it, with no new job", arguments: DatabaseKind.allCases)
    func reuploadRestores(_ database: DatabaseKind) async throws {
        try await Self.withHarness(database) { app in
            let bytes = try TestImages.uniqueJPEG(width: 60, height: 40, tag: "comeback")
            _ = try await app.upload("comeback.jpg", bytes)
            try await app.runWorker()
            let jobs = try await app.sql.count("jobs")
            _ = try await app.browser.sendJSON("/photos/1/favorite", method: .post, ["favorite": true])
            _ = try await app.browser.sendJSON("/photos/1", method: .delete, nil)
            #expect(Self.ids(try await app.client.getJSON("/photos").1) == [])
            let again = try await app.browser.upload([("renamed.jpg", bytes)])
            #expect(again.status == .ok)
            let photo = try #require((again.json["photos"] as? [[String: Any]])?.first)
            #expect(photo["id"] as? Int == 1 && photo["trashed_at"] is NSNull && photo["status"] as? String == "ready")
            #expect(photo["favorite"] as? Bool == true)
            #expect(try await app.sql.count("jobs") == jobs)
            #expect(Self.ids(try await app.client.getJSON("/photos").1) == [1])
            #expect(Self.counts(try await app.client.getJSON("/timeline").1).values.reduce(0, +) == 1)

            // The hash lookup (`app import --server`) answers 404 for a trashed photo, so the import uploads it (and
            // restores it).
            _ = try await app.browser.sendJSON("/photos/1", method: .delete, nil)
            let (found, _) = try await app.client.getJSON("/photos?hash=\(try #require(photo["hash"] as? String))")
            #expect(found.status == .notFound)
            let staged = app.workspace.root + "/import.jpg"
            try Data(bytes).write(to: URL(fileURLWithPath: staged))
            // The same PhotoIngest `app import` builds over the runtime.
            let ingest = PhotoIngest(
                database: app.runtime.database.sql, photos: app.runtime.photos, queue: app.runtime.queue,
                wake: WakeSignal(), maxJobAttempts: 3, logger: app.workspace.logger)
            let outcome = try await ingest.record(
                file: staged, originalName: "import.jpg", albumID: nil, maxPixels: 100_000_000,
                store: app.runtime.store, consume: false)
            #expect(outcome.photo.id == 1 && !outcome.isNew && outcome.photo.trashedAt == nil)
            #expect(try await app.sql.count("jobs") == jobs)
        }
    }

    @Test(
        "a tus upload of a trashed photo's bytes restores it, with no new job",
        arguments: DatabaseKind.allCases, TusStorage.allCases)
    func tusRestores(_ database: DatabaseKind, _ storage: TusStorage) async throws {
        try await withTusApp(database, storage) { tus in
            let bytes = try TestImages.uniqueJPEG(width: 40, height: 30, tag: "tus-comeback")
            func send() async throws -> TestResponse {
                let path = try await tus.client.createUpload(length: bytes.count, name: "back.jpg")
                return try await tus.client.sendChunks(path, bytes, chunk: bytes.count)
            }
            #expect(try await send().status == .created)
            let jobs = try await tus.count("jobs")
            #expect(try await tus.client.execute(uri: "/photos/1", method: .delete).status == .noContent)
            let again = try await send()
            #expect(again.status == .ok && again.json["id"] as? Int == 1 && again.json["trashed_at"] is NSNull)
            #expect(try await tus.photos.photo(id: 1)?.trashedAt == nil)
            #expect(try await tus.count("jobs") == jobs)
        }
    }

    @Test("TRASH_DAYS=0: deleting purges at once, there is no trash to keep", arguments: [DatabaseKind.sqlite])
    func noTrash(_ database: DatabaseKind) async throws {
        try await Self.withHarness(database, trashDays: 0) { app in
            let photo = try await app.upload("gone.jpg", try TestImages.uniqueJPEG(width: 30, height: 20, tag: "gone"))
            let hash = try #require(photo["hash"] as? String)
            _ = try await app.upload("gone2.jpg", try TestImages.uniqueJPEG(width: 30, height: 20, tag: "gone2"))
            #expect(try await app.browser.sendJSON("/photos/1", method: .delete, nil).status == .noContent)
            #expect(try await app.sql.count("photos") == 1)
            #expect(try await app.files(of: hash) == [false, false, false])
            let bulk = try await app.bulk(["ids": [2], "action": "trash"])
            #expect((bulk.json["results"] as? [[String: Any]])?.first?["status"] as? String == "purged")
            #expect(try await app.sql.count("photos") == 0)
        }
    }
}
