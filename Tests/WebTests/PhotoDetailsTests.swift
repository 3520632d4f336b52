import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing

/// What the photo page and the JSON show about a photo: EXIF camera and time zone, sizes for srcset, live status.
@Suite("Photo details")
struct PhotoDetailsTests {
    @Test("camera and capture offset are read at upload, stored, and shown on the page and in JSON")
    func cameraAndOffset() async throws {
        let jpeg = try ExifTestImages.jpeg(
            make: "Canon", model: "Canon EOS R5", taken: "2023:08:14 18:42:07", offset: "+02:00")
        try await withTestApp { workspace, client in
            let upload = try await client.upload(.files([("sunset.jpg", jpeg)]))
            #expect(upload.status == .created)
            let (_, photo) = try await client.getJSON("/photos/1")
            #expect(photo["captured_at"] as? String == "2023-08-14T18:42:07")
            #expect(photo["captured_offset"] as? String == "+02:00")
            #expect(photo["taken_at"] as? String == "2023-08-14T16:42:07.000Z")
            #expect(photo["taken_at_source"] as? String == "exif")
            let camera = try #require(photo["camera"] as? [String: Any])
            #expect(camera["make"] as? String == "Canon")
            #expect(camera["model"] as? String == "Canon EOS R5")
            #expect(photo["albums"] as? [Int] == [])
            let page = try await client.execute(uri: "/photos/1", method: .get, headers: [.accept: "text/html"])
            #expect(page.text.contains("14 Aug 2023, 18:42 +02:00"))
            #expect(page.text.contains("data-local-time>"))
            #expect(page.text.contains("<dd>Canon EOS R5</dd>"))
            #expect(page.text.contains("64 × 48 px"))
            try await workspace.runWorkerUntilIdle()
        }
    }

    @Test("a photo without EXIF has null camera and offset; sizes appear once it is ready")
    func additiveFields() async throws {
        try await withTestApp { workspace, client in
            _ = try await client.upload(.files([("plain.png", try TestImages.png(width: 900, height: 600))]))
            let (_, queued) = try await client.getJSON("/photos?ids=1")
            let before = try #require((queued["photos"] as? [[String: Any]])?.first)
            #expect(before["status"] as? String == "queued")
            #expect(before["camera"] is NSNull)
            #expect(before["captured_offset"] is NSNull)
            #expect(before["taken_at_source"] as? String == "upload")
            #expect(before["taken_at"] as? String == before["created_at"] as? String)
            let sizes = try #require(before["sizes"] as? [String: Any])
            #expect(sizes["thumbnail"] is NSNull)
            try await workspace.runWorkerUntilIdle()
            let (_, ready) = try await client.getJSON("/photos?ids=1")
            let after = try #require((ready["photos"] as? [[String: Any]])?.first)
            #expect(after["status"] as? String == "ready")
            let readySizes = try #require(after["sizes"] as? [String: Any])
            #expect((readySizes["thumbnail"] as? [String: Any])?["width"] as? Int == 400)
            #expect((readySizes["display"] as? [String: Any])?["width"] as? Int == 900)
        }
    }

    @Test("pages render valid structure: one h1, labelled inputs, lazy images with alt text")
    func accessibleMarkup() async throws {
        try await withTestApp { workspace, client in
            _ = try await client.upload(.files([("Grandma's garden.jpg", try TestImages.jpeg(width: 40, height: 30))]))
            try await workspace.runWorkerUntilIdle()
            let gallery = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            #expect(
                gallery.text.contains("alt=\"Grandma&#39;s garden.jpg\"")
                    || gallery.text.contains("alt=\"Grandma&#x27;s garden.jpg\""))
            #expect(gallery.text.contains("loading=\"lazy\""))
            #expect(gallery.text.components(separatedBy: "<h1").count == 2)
            for uri in ["/photos/1", "/albums"] {
                let page = try await client.execute(uri: uri, method: .get, headers: [.accept: "text/html"])
                #expect(page.status == .ok)
                #expect(page.text.components(separatedBy: "<h1").count == 2)
            }
        }
    }
}
