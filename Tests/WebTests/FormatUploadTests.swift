import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing

/// HEIC, AVIF and WebP end to end through the real router and worker: sniffed at upload, stored and served byte for
/// byte with their own type, processed into JPEG (or PNG) derivatives with WebP twins and a placeholder, shown in
/// `<picture>` on the pages (issue 21).
@Suite("HEIC, AVIF and WebP uploads")
struct FormatUploadTests {
    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    static let cases: [(name: String, ext: String, type: String, make: @Sendable () throws -> [UInt8])] = [
        (
            "IMG_0001.HEIC", "heic", "image/heic",
            { try TestImages.heif(width: 96, height: 64, orientation: 6, exifOrientation: 6) }
        ),
        ("photo.avif", "avif", "image/avif", { try TestImages.heif(width: 96, height: 64, avif: true) }),
        ("photo.webp", "webp", "image/webp", { try TestImages.webp(width: 96, height: 64) }),
    ]

    @Test(
        "stored as original/<hash>.<ext>, served byte for byte with its type, processed with WebP twins",
        arguments: 0..<3)
    func roundTrip(_ index: Int) async throws {
        let format = Self.cases[index]
        let bytes = try format.make()
        let hash = Self.sha256(bytes)
        try await withTestApp { workspace, client in
            // The declared name and type say nothing: a HEIC named .jpg is still a HEIC.
            let response = try await client.upload(.files([(format.name, bytes)]))
            #expect(response.status == .created)
            let photo = try #require((response.json["photos"] as? [[String: Any]])?.first)
            #expect(photo["content_type"] as? String == format.type)
            #expect(photo["width"] as? Int == 96 && photo["height"] as? Int == 64)
            let urls = try #require(photo["urls"] as? [String: Any])
            let original = "/media/original/\(hash).\(format.ext)"
            #expect(urls["original"] as? String == original)
            #expect(urls["display_webp"] is NSNull && photo["placeholder"] is NSNull)
            let served = try await client.execute(uri: original, method: .get)
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == format.type)
            #expect(Array(served.body.readableBytesView) == bytes)

            try await workspace.runWorkerUntilIdle()
            let (_, json) = try await client.getJSON("/photos/1")
            #expect(json["status"] as? String == "ready")
            let ready = try #require(json["urls"] as? [String: Any])
            #expect(ready["display"] as? String == "/media/display/\(hash).jpg")
            #expect(ready["thumbnail_webp"] as? String == "/media/thumbnail/\(hash).webp")
            let webpURL = try #require(ready["display_webp"] as? String)
            #expect(webpURL == "/media/display/\(hash).webp")
            let webp = try await client.execute(uri: webpURL, method: .get)
            #expect(webp.headers[.contentType] == "image/webp")
            let decoded = try TestImages.decodeAny(Array(webp.body.readableBytesView))
            #expect((decoded.width, decoded.height) == (96, 64))
            let placeholder = try #require(json["placeholder"] as? String)
            #expect((20...40).contains(Data(base64Encoded: placeholder)?.count ?? 0))

            // The gallery and the photo page offer WebP in <picture>, the JPEG as the fallback, and the placeholder.
            let gallery = try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html"])
            let html = String(buffer: gallery.body)
            #expect(html.contains("<source type=\"image/webp\" srcset=\"/media/thumbnail/\(hash).webp"))
            #expect(html.contains("src=\"/media/thumbnail/\(hash).jpg\""))
            #expect(html.contains("data-placeholder=\"\(placeholder)\""))
            let page = try await client.execute(uri: "/photos/1", method: .get, headers: [.accept: "text/html"])
            #expect(
                String(buffer: page.body).contains(
                    "<source type=\"image/webp\" srcset=\"/media/display/\(hash).webp\">"))
            // Deleting removes the original and all four derivatives.
            #expect(workspace.mediaFiles().count == 5)
            _ = try await client.execute(uri: "/photos/1?permanent=true", method: .delete)
            #expect(workspace.mediaFiles().isEmpty)
        }
    }

    @Test("the HEIC's EXIF capture date is on the photo page, as a JPEG's is")
    func captureDate() async throws {
        let heic = try TestImages.heif(
            width: 64, height: 48, exifOrientation: 1, dateTimeOriginal: "2019:07:14 18:42:07")
        try await withTestApp { _, client in
            let response = try await client.upload(.files([("a.heic", heic)]))
            let photo = try #require((response.json["photos"] as? [[String: Any]])?.first)
            #expect(photo["captured_at"] as? String == "2019-07-14T18:42:07")
            #expect(photo["taken_at_source"] as? String == "exif_local")
            let page = try await client.execute(uri: "/photos/1", method: .get, headers: [.accept: "text/html"])
            #expect(String(buffer: page.body).contains("2019"))
        }
    }

    @Test("an ISO file that is no image, a damaged HEIC header, and too many pixels are refused at upload")
    func refusals() async throws {
        let mp4 =
            [0, 0, 0, 24] + Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("isomiso2".utf8)
            + [UInt8](repeating: 0, count: 64)
        var damaged = try TestImages.heif(width: 64, height: 48)
        // Break the meta box's size so that it overruns the file.
        let meta = try #require(
            damaged.indices.first { damaged[$0..<min($0 + 4, damaged.count)].elementsEqual("meta".utf8) })
        damaged[meta - 4] = 0x7F
        let broken = damaged
        let big = try TestImages.heif(width: 200, height: 100)
        try await withTestApp(maxPixels: 19_999) { workspace, client in
            for (name, bytes, status) in [
                ("clip.mp4", mp4, HTTPResponse.Status.unsupportedMediaType),
                ("broken.heic", broken, .unsupportedMediaType),
                ("big.heic", big, .contentTooLarge),
            ] {
                let response = try await client.upload(.files([(name, bytes)]))
                #expect(response.status == status, "\(name)")
                #expect((response.json["message"] as? String)?.isEmpty == false, "\(name)")
            }
            #expect(workspace.mediaFiles().isEmpty)
            #expect(try await workspace.count("photos") == 0)
        }
    }

    @Test("a HEIC whose image data is damaged fails its job with a reason shown on the photo page")
    func damagedJobFails() async throws {
        let whole = try TestImages.heif(width: 96, height: 64)
        // Keep the header (ftyp, meta) intact and cut the image data short: the upload's sniffing passes.
        let heic = Array(whole.prefix(whole.count - 200))
        try await withTestApp { workspace, client in
            let response = try await client.upload(.files([("cut.heic", heic)]))
            #expect(response.status == .created)
            try await workspace.runWorkerUntilIdle()
            let (_, json) = try await client.getJSON("/photos/1")
            #expect(json["status"] as? String == "failed")
            let error = try #require(json["error"] as? String)
            #expect(error.contains("HEIC"), "\(error)")
            let page = try await client.execute(uri: "/photos/1", method: .get, headers: [.accept: "text/html"])
            #expect(String(buffer: page.body).contains("could not be processed"))
        }
    }
}
