import Database
import Foundation
import Imaging
import MemoriesTestSupport
import Storage
import Testing

@testable import Jobs

/// The worker, run for real on images the tests make: claim, pipeline, store, mark ready, or fail with the reason.
@Suite("Worker")
struct WorkerTests {
    /// Records a photo as an upload would: the original stored by hash, the row and its job in one transaction.
    static func enqueue(_ bytes: [UInt8], name: String, in workspace: TestWorkspace) async throws -> Photo {
        let path = workspace.store.temporaryDirectory + "/" + UUID().uuidString
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let header: ImageHeader
        switch ImageProbe.probe(bytes, isComplete: true) {
        case .image(let found): header = found
        default: header = ImageHeader(format: .jpeg, width: 1, height: 1, orientation: 1, captureDate: nil)
        }
        let hash = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().padding(
            toLength: 64, withPad: "0", startingAt: 0)
        try await workspace.store.put(
            MediaKey(kind: .original, hash: hash, fileExtension: header.format.fileExtension), movingFile: path,
            contentType: header.format.contentType)
        let outcome = try await workspace.insertWithThumbnailJob(
            NewPhoto(
                hash: hash, originalName: name, contentType: header.format.contentType, bytes: bytes.count,
                width: header.orientedWidth, height: header.orientedHeight, orientation: header.orientation,
                capturedAt: header.captureDate),
            maxAttempts: 3)
        return outcome.photo
    }

    static func displayImage(of photo: Photo, in workspace: TestWorkspace) throws -> (
        width: Int, height: Int, channels: Int, pixels: [UInt8]
    ) {
        let display = try #require(photo.display)
        let bytes = try Data(
            contentsOf: URL(fileURLWithPath: workspace.store.root + "/display/\(photo.hash).\(display.fileExtension)"))
        return try TestImages.decode([UInt8](bytes))
    }

    @Test("each EXIF orientation is applied to the pixels", arguments: 1...8)
    func orientation(_ orientation: Int) async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        let photo = try await Self.enqueue(
            try TestImages.jpeg(width: 1600, height: 1000, orientation: orientation), name: "o\(orientation).jpg",
            in: workspace)
        try await workspace.runWorkerUntilIdle()
        let ready = try #require(try await workspace.photos.photo(id: photo.id))
        #expect(ready.status == .ready)
        #expect(ready.display?.width == 1280 && ready.display?.height == 800)
        #expect(ready.thumbnail?.width == 400 && ready.thumbnail?.height == 250)
        let image = try Self.displayImage(of: ready, in: workspace)
        #expect(image.width == 1280 && image.height == 800)
        for (fx, fy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
            let x = Int(fx * Double(image.width))
            let y = Int(fy * Double(image.height))
            let index = (y * image.width + x) * image.channels
            let expected = TestImages.expectedColor(atX: fx, y: fy)
            let actual = (Int(image.pixels[index]), Int(image.pixels[index + 1]), Int(image.pixels[index + 2]))
            #expect(
                abs(actual.0 - Int(expected.r)) < 30 && abs(actual.1 - Int(expected.g)) < 30
                    && abs(actual.2 - Int(expected.b)) < 30,
                "orientation \(orientation) at (\(fx), \(fy)): \(actual) vs \(expected)")
        }
        // The derivatives carry no EXIF: no APP1 segment after SOI.
        let bytes = [UInt8](
            try Data(contentsOf: URL(fileURLWithPath: workspace.store.root + "/display/\(ready.hash).jpg")))
        #expect(!bytes.indices.dropLast().contains { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xE1 })
    }

    @Test("small images are never upscaled; transparent PNGs give PNG derivatives")
    func sizesAndFormats() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        let small = try await Self.enqueue(
            try TestImages.jpeg(width: 300, height: 200), name: "small.jpg", in: workspace)
        let clear = try await Self.enqueue(
            try TestImages.png(width: 900, height: 600, transparent: true), name: "clear.png", in: workspace)
        let opaque = try await Self.enqueue(
            try TestImages.png(width: 500, height: 500), name: "opaque.png", in: workspace)
        try await workspace.runWorkerUntilIdle()
        let s = try #require(try await workspace.photos.photo(id: small.id))
        #expect(s.display?.width == 300 && s.display?.height == 200 && s.thumbnail?.width == 300)
        let c = try #require(try await workspace.photos.photo(id: clear.id))
        #expect(c.display?.fileExtension == "png" && c.thumbnail?.fileExtension == "png")
        #expect(c.thumbnail?.width == 400 && c.thumbnail?.height == 267 || c.thumbnail?.height == 266)
        let decoded = try Self.displayImage(of: c, in: workspace)
        #expect(decoded.channels == 4)
        let o = try #require(try await workspace.photos.photo(id: opaque.id))
        #expect(o.display?.fileExtension == "jpg")
    }

    @Test("a file that cannot be decoded fails its photo with the reason, and the worker carries on")
    func corruptFile() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        var broken = try TestImages.jpeg(width: 800, height: 600)
        broken = Array(broken.prefix(broken.count / 2))
        let bad = try await Self.enqueue(broken, name: "broken.jpg", in: workspace)
        let good = try await Self.enqueue(try TestImages.jpeg(width: 64, height: 64), name: "good.jpg", in: workspace)
        try await workspace.runWorkerUntilIdle()
        let failed = try #require(try await workspace.photos.photo(id: bad.id))
        #expect(failed.status == .failed)
        #expect(failed.error?.isEmpty == false)
        #expect(try await workspace.photos.photo(id: good.id)?.status == .ready)
        let stats = try await workspace.queue.stats()
        #expect(stats.counts[.failed] == 1 && stats.counts[.done] == 1)
        // The good photo's display image and its WebP twin; nothing for the bad one.
        #expect(workspace.mediaFiles().filter { $0.hasPrefix("display/") }.count == 2)
    }

    @Test("a missing original fails the photo without crashing")
    func missingOriginal() async throws {
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        let photo = try await Self.enqueue(try TestImages.jpeg(width: 64, height: 64), name: "gone.jpg", in: workspace)
        try await workspace.store.delete(MediaKey(kind: .original, hash: photo.hash, fileExtension: "jpg"))
        try await workspace.runWorkerUntilIdle()
        let failed = try #require(try await workspace.photos.photo(id: photo.id))
        #expect(failed.status == .failed)
        #expect(failed.error?.contains("missing") == true)
    }

    @Test("a wake-up ends a wait before its timeout, and one sent early is kept for the next wait")
    func wakeSignal() async throws {
        // The timeout is far longer than any scheduling delay on a loaded machine: returning well before it
        // can only be the notification's doing (this checks the mechanism, not a speed).
        let timeout = Duration.seconds(300)
        let signal = WakeSignal()
        let started = ContinuousClock.now
        async let waited: Void = signal.wait(timeout: timeout)
        try await Task.sleep(for: .milliseconds(20))
        signal.notify()
        await waited
        #expect(ContinuousClock.now - started < timeout / 2)
        signal.notify()
        let again = ContinuousClock.now
        await signal.wait(timeout: timeout)
        #expect(ContinuousClock.now - again < timeout / 2)
    }

    @Test("backoff doubles per attempt, is capped, and jitter keeps it within 50–100 %")
    func backoff() {
        let backoff = Backoff(base: .seconds(2), cap: .seconds(60))
        #expect(backoff.delay(afterAttempt: 1, jitter: 1) == .seconds(2))
        #expect(backoff.delay(afterAttempt: 3, jitter: 1) == .seconds(8))
        #expect(backoff.delay(afterAttempt: 3, jitter: 0) == .seconds(4))
        #expect(backoff.delay(afterAttempt: 20, jitter: 1) == .seconds(60))
    }
}
