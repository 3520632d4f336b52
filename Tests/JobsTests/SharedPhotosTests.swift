import Database
import Foundation
import MemoriesTestSupport
import Testing

@testable import Jobs

/// The worker over the real phone photos and orientation samples in `../shared/photos`, when that folder exists (CI has it).
@Suite("Worker on ../shared/photos")
struct SharedPhotosTests {
    static var photosFolder: String? { TestWorkspace.sharedDirectory.map { $0 + "/photos" } }

    @Test("every phone photo becomes ready; the eight orientation samples come out the same")
    func sharedPhotos() async throws {
        guard let folder = Self.photosFolder else {
            print(
                "skipped: ../shared/photos not found (set MEMORIES_SHARED_DIR); the worker ran only on synthetic images"
            )
            return
        }
        let workspace = try await TestWorkspace.make()
        defer { Task { await workspace.tearDown() } }
        let phone = try FileManager.default.contentsOfDirectory(atPath: folder + "/phone").filter {
            $0.hasSuffix(".jpg")
        }.sorted()
        let orientations = (1...8).map { "orient-landscape_\($0).jpg" }
        var ids: [String: Int64] = [:]
        for name in phone {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/phone/" + name)))
            ids[name] = try await WorkerTests.enqueue(bytes, name: name, in: workspace).id
        }
        for name in orientations {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/edge/" + name)))
            ids[name] = try await WorkerTests.enqueue(bytes, name: name, in: workspace).id
        }
        try await workspace.runWorkerUntilIdle(timeout: .seconds(600))
        for name in phone {
            let photo = try #require(try await workspace.photos.photo(id: ids[name]!))
            #expect(photo.status == .ready, "\(name): \(photo.error ?? "")")
            if let display = photo.display {
                #expect(max(display.width, display.height) <= 1280)
            }
        }
        var sizes: Set<String> = []
        var images: [(width: Int, height: Int, channels: Int, pixels: [UInt8])] = []
        for name in orientations {
            let photo = try #require(try await workspace.photos.photo(id: ids[name]!))
            #expect(photo.status == .ready, "\(name)")
            guard photo.status == .ready else { continue }
            let image = try WorkerTests.displayImage(of: photo, in: workspace)
            sizes.insert("\(image.width)x\(image.height)")
            images.append(image)
        }
        #expect(sizes.count == 1, "the eight orientations give different sizes: \(sizes)")
        // Samples 2–8 are one export rotated and flipped; sample 1 was exported apart and is a little brighter.
        if images.count == 8 && sizes.count == 1 {
            for index in 2..<8 {
                let difference = zip(images[1].pixels, images[index].pixels).reduce(0) {
                    $0 + abs(Int($1.0) - Int($1.1))
                }
                let mean = Double(difference) / Double(images[1].pixels.count)
                #expect(mean < 6, "orient-landscape_\(index + 1) differs from _2 by \(mean) per sample")
            }
        }
    }
}
