import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing

/// The upload contract (DESIGN §5) as round trips through the real router, the real SQLite file and media folder.
@Suite("POST /photos")
struct UploadTests {
    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    @Test("a JPEG is stored by hash and recorded with one job (201)")
    func uploadJPEG() async throws {
        let jpeg = try TestImages.jpeg(width: 64, height: 48, orientation: 6)
        try await withTestApp { workspace, client in
            let response = try await client.upload(.files([("holiday <1>.jpg", jpeg)]))
            #expect(response.status == .created)
            let photos = try #require(response.json["photos"] as? [[String: Any]])
            #expect(photos.count == 1)
            let photo = photos[0]
            let hash = Self.sha256(jpeg)
            #expect(photo["hash"] as? String == hash)
            #expect(photo["status"] as? String == "queued")
            #expect(photo["original_name"] as? String == "holiday <1>.jpg")
            // Orientation 6 turns a stored 48×64 image upright as 64 wide, 48 high.
            #expect(photo["width"] as? Int == 64)
            #expect(photo["height"] as? Int == 48)
            #expect(photo["error"] is NSNull)
            let urls = try #require(photo["urls"] as? [String: Any])
            #expect(urls["original"] as? String == "/media/original/\(hash).jpg")
            #expect(urls["display"] is NSNull)
            #expect(workspace.mediaFiles() == ["original/\(hash).jpg"])
            let stored = try Data(contentsOf: URL(fileURLWithPath: workspace.store.root + "/original/\(hash).jpg"))
            #expect([UInt8](stored) == jpeg)
            #expect(try await workspace.count("photos") == 1)
            #expect(try await workspace.count("jobs") == 1)
        }
    }

    @Test("the same bytes again answer the existing photo (200) with no new job")
    func duplicate() async throws {
        let png = try TestImages.png(width: 30, height: 20)
        try await withTestApp { workspace, client in
            let first = try await client.upload(.files([("a.png", png)]))
            #expect(first.status == .created)
            let second = try await client.upload(.files([("renamed.png", png)]))
            #expect(second.status == .ok)
            let a = try #require((first.json["photos"] as? [[String: Any]])?.first)
            let b = try #require((second.json["photos"] as? [[String: Any]])?.first)
            #expect(a["id"] as? Int == b["id"] as? Int)
            #expect(b["original_name"] as? String == "a.png")
            #expect(try await workspace.count("photos") == 1)
            #expect(try await workspace.count("jobs") == 1)
            #expect(workspace.mediaFiles().count == 1)
        }
    }

    @Test("several files in one request")
    func severalFiles() async throws {
        let one = try TestImages.jpeg(width: 40, height: 30)
        let two = try TestImages.png(width: 20, height: 40, transparent: true)
        try await withTestApp { workspace, client in
            let response = try await client.upload(.files([("one.jpg", one), ("two.png", two)]))
            #expect(response.status == .created)
            let photos = try #require(response.json["photos"] as? [[String: Any]])
            #expect(photos.map { $0["original_name"] as? String } == ["one.jpg", "two.png"])
            #expect(try await workspace.count("jobs") == 2)
            #expect(
                workspace.mediaFiles().sorted()
                    == ["original/\(Self.sha256(one)).jpg", "original/\(Self.sha256(two)).png"].sorted())
        }
    }

    @Test("a form post is answered with a redirect (303)")
    func formPost() async throws {
        let jpeg = try TestImages.jpeg(width: 32, height: 32)
        try await withTestApp { _, client in
            let response = try await client.upload(
                .files([("form.jpg", jpeg)]), accept: "text/html,application/xhtml+xml")
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/photos/1")
        }
    }

    @Test("the type is sniffed from the bytes, not the name")
    func sniffedType() async throws {
        let png = try TestImages.png(width: 16, height: 16)
        try await withTestApp { workspace, client in
            let response = try await client.upload(.files([("looks-like.jpg", png)]))
            #expect(response.status == .created)
            #expect(workspace.mediaFiles() == ["original/\(Self.sha256(png)).png"])
        }
    }

    @Test("a file that is not a JPEG or PNG is refused (415) and leaves nothing behind")
    func notAnImage() async throws {
        let jpeg = try TestImages.jpeg(width: 16, height: 16)
        try await withTestApp { workspace, client in
            let response = try await client.upload(
                .files([("fine.jpg", jpeg), ("notes.txt", Array("hello, not an image".utf8))]))
            #expect(response.status == .unsupportedMediaType)
            #expect(response.json["error"] as? String == "unsupported_media_type")
            #expect((response.json["message"] as? String)?.contains("notes.txt") == true)
            #expect(workspace.mediaFiles().isEmpty)
            #expect(try await workspace.count("photos") == 0)
            #expect(try await workspace.count("jobs") == 0)
        }
    }

    @Test("a body over MAX_UPLOAD_BYTES is refused (413) and leaves nothing behind")
    func tooManyBytes() async throws {
        let big = try TestImages.jpeg(width: 256, height: 256, quality: 100)
        try await withTestApp(maxUploadBytes: big.count / 2) { workspace, client in
            let response = try await client.upload(.files([("big.jpg", big)]))
            #expect(response.status == .contentTooLarge)
            #expect(response.json["error"] as? String == "too_large")
            #expect(workspace.mediaFiles().isEmpty)
            #expect(try await workspace.count("photos") == 0)
            // Without a Content-Length the limit is enforced as the bytes stream in.
            let streamed = try await client.execute(
                uri: "/photos", method: .post,
                headers: [
                    .contentType: MultipartBody.files([]).contentType, .accept: "application/json",
                    .transferEncoding: "chunked",
                ],
                body: MultipartBody.files([("big.jpg", big)]).buffer)
            #expect(streamed.status == .contentTooLarge)
            #expect(workspace.mediaFiles().isEmpty)
        }
    }

    @Test("an image over MAX_PIXELS is refused from its header (413)")
    func tooManyPixels() async throws {
        let jpeg = try TestImages.jpeg(width: 120, height: 100)
        try await withTestApp(maxPixels: 10_000) { workspace, client in
            let response = try await client.upload(.files([("wide.jpg", jpeg)]))
            #expect(response.status == .contentTooLarge)
            #expect((response.json["message"] as? String)?.contains("120×100") == true)
            #expect(workspace.mediaFiles().isEmpty)
            #expect(try await workspace.count("photos") == 0)
        }
    }

    /// A JPEG whose header runs past `bytes`: 64 KiB APP2 segments between the start marker and the frame header.
    static func jpegWithLongHeader(width: Int, height: Int, bytes: Int) throws -> [UInt8] {
        let jpeg = try TestImages.jpeg(width: width, height: height)
        var long: [UInt8] = [0xFF, 0xD8]
        while long.count < bytes {
            long += [0xFF, 0xE2, 0xFF, 0xFF] + [UInt8](repeating: 0x20, count: 0xFFFF - 2)
        }
        return long + jpeg.dropFirst(2)
    }

    @Test("a header longer than the first probe is still read, and still checked against MAX_PIXELS")
    func longHeader() async throws {
        let jpeg = try Self.jpegWithLongHeader(width: 120, height: 100, bytes: 600 * 1024)
        try await withTestApp { _, client in
            let response = try await client.upload(.files([("long.jpg", jpeg)]))
            #expect(response.status == .created)
            let photo = try #require((response.json["photos"] as? [[String: Any]])?.first)
            #expect(photo["width"] as? Int == 120)
            #expect(photo["height"] as? Int == 100)
        }
        try await withTestApp(maxPixels: 10_000) { workspace, client in
            let response = try await client.upload(.files([("long.jpg", jpeg)]))
            #expect(response.status == .contentTooLarge)
            #expect(workspace.mediaFiles().isEmpty)
        }
    }

    @Test("no file, an empty file part, or a body that is not multipart: 400")
    func malformed() async throws {
        try await withTestApp { workspace, client in
            let empty = try await client.upload(
                MultipartBody(parts: [
                    .init(name: "file", fileName: "", contentType: "application/octet-stream", bytes: [])
                ]))
            #expect(empty.status == .badRequest)
            #expect(empty.json["error"] as? String == "bad_request")
            let other = try await client.upload(
                MultipartBody(parts: [.init(name: "caption", fileName: nil, contentType: nil, bytes: Array("hi".utf8))])
            )
            #expect(other.status == .badRequest)
            let json = try await client.execute(
                uri: "/photos", method: .post,
                headers: [.contentType: "application/json", .accept: "application/json"],
                body: .init(string: "{}"))
            #expect(json.status == .badRequest)
            var truncated = MultipartBody.files([("cut.jpg", try TestImages.jpeg(width: 16, height: 16))]).buffer
            truncated.moveWriterIndex(to: truncated.writerIndex - 40)
            let cut = try await client.execute(
                uri: "/photos", method: .post,
                headers: [.contentType: MultipartBody.files([]).contentType, .accept: "application/json"],
                body: truncated)
            #expect(cut.status == .badRequest)
            #expect(workspace.mediaFiles().isEmpty)
            #expect(try await workspace.count("photos") == 0)
        }
    }

    @Test("errors are a readable page for browsers, with the user's text escaped")
    func errorPage() async throws {
        try await withTestApp { _, client in
            let response = try await client.upload(
                .files([("<b>x<b>.txt", Array("plain text".utf8))]), accept: "text/html")
            #expect(response.status == .unsupportedMediaType)
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(response.text.contains("&lt;b&gt;x&lt;b&gt;.txt"))
            #expect(!response.text.contains("<b>x"))
        }
    }

    @Test("storage down: 503, and no temp file or row is left")
    func storageDown() async throws {
        let jpeg = try TestImages.jpeg(width: 16, height: 16)
        try await withTestApp { workspace, client in
            // Replace the originals folder with a plain file: the final rename into it fails like a broken disk.
            let originals = workspace.store.root + "/original"
            try FileManager.default.removeItem(atPath: originals)
            try Data("not a folder".utf8).write(to: URL(fileURLWithPath: originals))
            let response = try await client.upload(.files([("x.jpg", jpeg)]))
            #expect(response.status == .serviceUnavailable)
            #expect(response.json["error"] as? String == "unavailable")
            #expect(workspace.mediaFiles() == ["original"])
            #expect(try await workspace.count("photos") == 0)
        }
    }

    @Test("database down: 503, and the stored original is removed again")
    func databaseDown() async throws {
        let jpeg = try TestImages.jpeg(width: 16, height: 16)
        try await withTestApp { workspace, client in
            // Make every write fail inside the transaction: a trigger that aborts photo inserts.
            _ = try await workspace.database.write { connection in
                try await connection.query(
                    "CREATE TRIGGER refuse BEFORE INSERT ON photos BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
            }
            let response = try await client.upload(.files([("x.jpg", jpeg)]))
            #expect(response.status == .serviceUnavailable)
            #expect(workspace.mediaFiles().isEmpty)
            #expect(try await workspace.count("photos") == 0)
            #expect(try await workspace.count("jobs") == 0)
        }
    }
}
