import Foundation
import HTTPTypes
import HummingbirdTesting
import MemoriesTestSupport
import Testing

/// The selection bar's "Download": `POST /photos/download` streams the chosen originals as one ZIP.
@Suite("Selection download")
struct SelectionDownloadTests {
    @Test(
        "the chosen photos download as one ZIP in the order chosen; missing ids are left out, none at all is 404",
        arguments: DatabaseKind.allCases)
    func selectionZip(database: DatabaseKind) async throws {
        try await withTestApp(database: database) { _, client in
            let browser = try await BrowserSession.start(client)
            let files = [
                ("first.jpg", try TestImages.jpeg(width: 30, height: 20)),
                ("second.png", try TestImages.png(width: 12, height: 9)),
                ("third.jpg", try TestImages.jpeg(width: 31, height: 20)),
            ]
            for file in files { #expect(try await browser.upload([file]).status == .created) }

            let response = try await browser.postForm("/photos/download", ["photos": "3,99,1"])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/zip")
            #expect(response.headers[.contentDisposition]?.contains("filename=\"Memories, 2 photos.zip\"") == true)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("sel-\(UUID().uuidString).zip")
                .path
            try Data(response.body.readableBytesView).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let listing = try await ZipChecker.entries(of: path)
            #expect(listing.map(\.name) == ["third.jpg", "first.jpg"])
            #expect(listing.map(\.bytes) == [files[2].1, files[0].1])

            let one = try await browser.sendJSON("/photos/download", method: .post, ["photos": [2]])
            #expect(one.status == .ok)
            #expect(one.headers[.contentDisposition]?.contains("filename=\"second.zip\"") == true)

            #expect(try await browser.postForm("/photos/download", ["photos": "98,99"]).status == .notFound)
            #expect(try await browser.postForm("/photos/download", ["photos": ""]).status == .badRequest)
            #expect(try await browser.postForm("/photos/download", ["photos": "1,x"]).status == .badRequest)
            #expect(
                try await browser.postForm("/photos/download", ["photos": "1"], withToken: false).status == .forbidden)

            // A photo in the trash is left out of the ZIP and of the id and hash lookups, for everyone.
            #expect(try await browser.sendJSON("/photos/3", method: .delete, nil).status.code < 300)
            let afterTrash = try await browser.postForm("/photos/download", ["photos": "3,1"])
            let trashedPath = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sel-\(UUID().uuidString).zip"
            ).path
            try Data(afterTrash.body.readableBytesView).write(to: URL(fileURLWithPath: trashedPath))
            defer { try? FileManager.default.removeItem(atPath: trashedPath) }
            #expect(try await ZipChecker.entries(of: trashedPath).map(\.name) == ["first.jpg"])
            #expect(try await browser.postForm("/photos/download", ["photos": "3"]).status == .notFound)
            let (_, listed) = try await client.getJSON("/photos?ids=3,1")
            #expect((listed["photos"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [1])
            let hash = FormatUploadTests.sha256(files[2].1)
            #expect(try await client.getJSON("/photos?hash=\(hash)").0.status == .notFound)
        }
    }
}
