import Database
import Foundation
import Logging
import MemoriesTestSupport
import Storage
import Testing

@testable import Jobs

/// The worker's sweep on both databases: photos whose job is gone get one again; what dead uploads left is removed.
@Suite("Sweep")
struct SweepTests {
    static func sweeper(
        queue: any JobQueue, photos: any PhotoRepository, store: any MediaStore, fileAge: TimeInterval, logger: Logger
    ) -> Sweeper {
        Sweeper(
            queue: queue, photos: photos, store: store,
            configuration: SweepConfiguration(stuckAfter: .zero, fileAge: fileAge), wake: WakeSignal(), logger: logger)
    }

    /// An original nobody refers to and an upload temp file, both written now.
    static func leaveDebris(in store: LocalStore) async throws -> (orphan: MediaKey, temporary: String) {
        let orphan = MediaKey(kind: .original, hash: String(repeating: "ab", count: 32), fileExtension: "jpg")
        try await store.put(orphan, bytes: try TestImages.jpeg(width: 8, height: 8), contentType: "image/jpeg")
        let temporary = store.temporaryDirectory + "/upload-\(UUID().uuidString).part"
        FileManager.default.createFile(atPath: temporary, contents: Data([1, 2, 3]))
        return (orphan, temporary)
    }

    @Test("SQLite: a queued photo with no job gets one and is processed; young files stay, old debris goes")
    func sqlite() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        let photo = try await WorkerTests.enqueue(
            try TestImages.jpeg(width: 64, height: 48), name: "a.jpg", in: workspace)
        try await workspace.database.write { connection in _ = try await connection.query("DELETE FROM jobs") }
        let (orphan, temporary) = try await Self.leaveDebris(in: workspace.store)

        // Files younger than the age are in-flight uploads as far as the sweep can tell.
        let young = Self.sweeper(
            queue: workspace.queue, photos: workspace.photos, store: workspace.store, fileAge: 3600,
            logger: workspace.logger)
        let first = await young.sweep()
        #expect(first.requeuedPhotos == [photo.id])
        #expect(first.removedOrphans.isEmpty && first.removedTemporaryFiles == 0)
        #expect(try await workspace.queue.stats().counts[.available] == 1)
        #expect(await young.sweep().requeuedPhotos.isEmpty, "a photo with a live job is not stuck")

        try await workspace.runWorkerUntilIdle()
        #expect(try await workspace.photos.photo(id: photo.id)?.status == .ready)

        let old = Self.sweeper(
            queue: workspace.queue, photos: workspace.photos, store: workspace.store, fileAge: 0,
            logger: workspace.logger)
        let second = await old.sweep()
        #expect(second.removedOrphans == [orphan])
        #expect(second.removedTemporaryFiles == 1)
        #expect(!FileManager.default.fileExists(atPath: temporary))
        #expect(try await workspace.store.size(of: orphan) == nil)
        let kept = MediaKey(kind: .original, hash: photo.hash, fileExtension: "jpg")
        #expect(try await workspace.store.size(of: kept) != nil, "an original with a photo stays")
    }

    @Test("PostgreSQL: the same sweep, and two sweeps at once enqueue a stuck photo once")
    func postgres() async throws {
        try await PostgresTestDatabase.with { database in
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            let store = try LocalStore(root: root)
            var ids: [Int64] = []
            for index in 0..<5 {
                let hash = String(format: "%064x", index + 1)
                let outcome = try await database.insertWithThumbnailJob(
                    NewPhoto(
                        hash: hash, originalName: "\(index).jpg", contentType: "image/jpeg", bytes: 10, width: 8,
                        height: 8, orientation: nil, capturedAt: nil),
                    maxAttempts: 3)
                ids.append(outcome.photo.id)
                try await store.put(
                    MediaKey(kind: .original, hash: hash, fileExtension: "jpg"), bytes: [1], contentType: "image/jpeg")
            }
            try await database.execute("DELETE FROM jobs")
            let (orphan, temporary) = try await Self.leaveDebris(in: store)
            let sweeper = Self.sweeper(
                queue: database.queue, photos: database.photos, store: store, fileAge: 0, logger: database.logger)
            async let one = sweeper.sweep()
            async let two = sweeper.sweep()
            let (a, b) = await (one, two)
            #expect(Set(a.requeuedPhotos + b.requeuedPhotos) == Set(ids))
            #expect(a.requeuedPhotos.count + b.requeuedPhotos.count == ids.count, "each photo enqueued once")
            #expect(try await database.count("jobs", where: "state = 'available'") == ids.count)
            #expect(Set(a.removedOrphans + b.removedOrphans) == [orphan])
            #expect(!FileManager.default.fileExists(atPath: temporary))
            for (index, _) in ids.enumerated() {
                let key = MediaKey(kind: .original, hash: String(format: "%064x", index + 1), fileExtension: "jpg")
                #expect(try await store.size(of: key) != nil)
            }
        }
    }
}
