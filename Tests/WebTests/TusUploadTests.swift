import Database
import Foundation
import HTTPTypes
import HummingbirdTesting
import Jobs
import MemoriesTestSupport
import NIOCore
import Storage
import Testing

/// Resumable uploads (tus 1.0) through the real router, on both databases and both stores (moto for S3).
@Suite("Resumable uploads (tus)")
struct TusUploadTests {
    static let combinations: [(DatabaseKind, TusStorage)] = [
        (.sqlite, .local), (.sqlite, .s3), (.postgres, .local), (.postgres, .s3),
    ]

    @Test("OPTIONS advertises the version, the size limit, the extensions and SHA-256")
    func discovery() async throws {
        try await withTusApp(.sqlite, .local) { tus in
            let response = try await tus.client.execute(uri: "/uploads", method: .options)
            #expect(response.status == .noContent)
            #expect(response.headers[HTTPField.Name("Tus-Version")!] == "1.0.0")
            #expect(response.headers[HTTPField.Name("Tus-Resumable")!] == "1.0.0")
            #expect(response.headers[HTTPField.Name("Tus-Max-Size")!] == "50000000")
            #expect(response.headers[HTTPField.Name("Tus-Extension")!] == "creation,termination,checksum,expiration")
            #expect(response.headers[HTTPField.Name("Tus-Checksum-Algorithm")!]?.contains("sha256") == true)
            let noVersion = try await tus.client.execute(
                uri: "/uploads", method: .post, headers: [HTTPField.Name("Upload-Length")!: "10"])
            #expect(noVersion.status == .preconditionFailed)
            #expect(noVersion.headers[HTTPField.Name("Tus-Version")!] == "1.0.0")
            let tooLarge = try await tus.client.tus("/uploads", .post, headers: ["Upload-Length": "50000001"])
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.json["error"] as? String == "too_large")
            let noLength = try await tus.client.tus("/uploads", .post)
            #expect(noLength.status == .badRequest)
            let unknown = try await tus.client.tus("/uploads/" + String(repeating: "a", count: 32), .head)
            #expect(unknown.status == .notFound)
        }
    }

    @Test(
        "offsets, a 409 on a wrong offset, a 460 on a wrong checksum (chunk not kept), then completion makes the photo and its job",
        arguments: combinations)
    func fullFlow(database: DatabaseKind, storage: TusStorage) async throws {
        try await withTusApp(database, storage) { tus in
            // Over 5 MiB, so on S3 a part is sent and the rest waits as the tail.
            let bytes = try paddedJPEG(padding: 7 * 1024 * 1024)
            let path = try await tus.client.createUpload(length: bytes.count, name: "../../etc/big.jpg")
            #expect(path.hasPrefix("/uploads/") && path.count == "/uploads/".count + 32)

            var head = try await tus.client.tus(path, .head)
            #expect(head.status == .ok)
            #expect(head.headers[HTTPField.Name("Upload-Offset")!] == "0")
            #expect(head.headers[HTTPField.Name("Upload-Length")!] == String(bytes.count))
            #expect(head.headers[.cacheControl] == "no-store")
            #expect(head.headers[HTTPField.Name("Upload-Expires")!]?.hasSuffix("GMT") == true)

            let wrongType = try await tus.client.tus(
                path, .patch, headers: ["Upload-Offset": "0", "Content-Type": "application/octet-stream"], body: [1])
            #expect(wrongType.status == .unsupportedMediaType)

            let first = Array(bytes[0..<(6 * 1024 * 1024)])
            let sent = try await tus.client.sendChunks(path, first, chunk: 6 * 1024 * 1024)
            #expect(sent.status == .noContent)
            #expect(sent.headers[HTTPField.Name("Upload-Offset")!] == String(first.count))
            #expect(sent.headers[HTTPField.Name("Upload-Expires")!] != nil)

            let stale = try await tus.client.tus(path, .patch, headers: ["Upload-Offset": "0"], body: [1, 2, 3])
            #expect(stale.status == .conflict)
            #expect(stale.headers[HTTPField.Name("Upload-Offset")!] == String(first.count))

            let rest = Array(bytes[first.count...])
            let corrupt = try await tus.client.tus(
                path, .patch,
                headers: [
                    "Upload-Offset": String(first.count), "Upload-Checksum": "sha256 " + sha256Base64(rest + [0]),
                ],
                body: rest)
            #expect(corrupt.status.code == 460)
            #expect(corrupt.json["error"] as? String == "checksum_mismatch")
            head = try await tus.client.tus(path, .head)
            #expect(
                head.headers[HTTPField.Name("Upload-Offset")!] == String(first.count), "the corrupt chunk was not kept")

            let tooBig = try await tus.client.tus(
                path, .patch, headers: ["Upload-Offset": String(first.count)],
                body: [UInt8](repeating: 0, count: 6 * 1024 * 1024 + 1))
            #expect(tooBig.status == .contentTooLarge)

            let done = try await tus.client.sendChunks(path, bytes, from: first.count, chunk: 6 * 1024 * 1024)
            #expect(done.status == .created)
            #expect(done.headers[HTTPField.Name("Upload-Offset")!] == String(bytes.count))
            let id = try #require(done.json["id"] as? Int)
            #expect(done.headers[.location] == "/photos/\(id)")
            #expect(done.json["hash"] as? String == sha256Hex(bytes))
            #expect(done.json["original_name"] as? String == "big.jpg")
            #expect(done.json["status"] as? String == "queued")
            #expect(try await tus.count("photos") == 1)
            #expect(try await tus.count("jobs") == 1)
            #expect(try await tus.count("uploads") == 0)
            #expect(tus.stagedFiles.isEmpty)
            #expect(try await tus.openMultipartUploads().isEmpty)
            let key = MediaKey(kind: .original, hash: sha256Hex(bytes), fileExtension: "jpg")
            #expect(try await tus.store.size(of: key) == bytes.count)
            let stored = try await tus.store.withLocalFile(key) { path in
                try Data(contentsOf: URL(fileURLWithPath: path))
            }
            #expect(Array(stored) == bytes)

            let gone = try await tus.client.tus(path, .head)
            #expect(gone.status == .notFound)
            let byHash = try await tus.client.getJSON("/photos?hash=" + sha256Hex(bytes))
            #expect(byHash.0.status == .ok && byHash.1["id"] as? Int == id)
        }
    }

    @Test(
        "small chunks on S3: the tail below 5 MB waits in the database, then goes out as a part",
        arguments: [DatabaseKind.sqlite, .postgres])
    func smallChunksS3(database: DatabaseKind) async throws {
        try await withTusApp(database, .s3) { tus in
            let bytes = try paddedJPEG(padding: 11 * 1024 * 1024)
            let path = try await tus.client.createUpload(length: bytes.count)
            let half = try await tus.client.sendChunks(path, Array(bytes[0..<(3 * 1024 * 1024)]), chunk: 1024 * 1024)
            #expect(half.status == .noContent)
            let id = String(path.dropFirst("/uploads/".count))
            let waiting = try #require(try await tus.uploads.upload(id: id))
            #expect(waiting.tail.count == 3 * 1024 * 1024 && waiting.partETags.isEmpty)
            let done = try await tus.client.sendChunks(path, bytes, from: 3 * 1024 * 1024, chunk: 1024 * 1024)
            #expect(done.status == .created)
            let key = MediaKey(kind: .original, hash: sha256Hex(bytes), fileExtension: "jpg")
            #expect(try await tus.store.size(of: key) == bytes.count)
            #expect(try await tus.openMultipartUploads().isEmpty)
        }
    }

    @Test(
        "the same bytes again answer with the existing photo: no new job, nothing staged left", arguments: combinations)
    func duplicate(database: DatabaseKind, storage: TusStorage) async throws {
        try await withTusApp(database, storage) { tus in
            let bytes = try TestImages.uniqueJPEG(width: 80, height: 60, tag: "dup-\(database)-\(storage)")
            let first = try await tus.client.sendChunks(
                try await tus.client.createUpload(length: bytes.count), bytes, chunk: bytes.count)
            #expect(first.status == .created)
            let second = try await tus.client.sendChunks(
                try await tus.client.createUpload(length: bytes.count, name: "again.jpg"), bytes, chunk: bytes.count)
            #expect(second.status == .ok)
            #expect(second.json["id"] as? Int == first.json["id"] as? Int)
            #expect(try await tus.count("photos") == 1)
            #expect(try await tus.count("jobs") == 1)
            #expect(try await tus.count("uploads") == 0)
            #expect(tus.stagedFiles.isEmpty)
        }
    }

    @Test(
        "a PATCH while another holds the upload's lease gets 409, and goes through once it is released",
        arguments: combinations)
    func concurrentPatch(database: DatabaseKind, storage: TusStorage) async throws {
        try await withTusApp(database, storage) { tus in
            let bytes = try TestImages.uniqueJPEG(width: 40, height: 30, tag: "lease-\(database)-\(storage)")
            let path = try await tus.client.createUpload(length: bytes.count)
            let id = String(path.dropFirst("/uploads/".count))
            // Another app server is in the middle of a PATCH on this upload.
            let claim = try await tus.uploads.claim(
                id: id, offset: 0, token: "other", until: Date().addingTimeInterval(60), now: Date())
            guard case .claimed = claim else {
                Issue.record("claim failed: \(claim)")
                return
            }
            let second = try await tus.uploads.claim(
                id: id, offset: 0, token: "third", until: Date().addingTimeInterval(60), now: Date())
            #expect(second == .busy)
            let refused = try await tus.client.tus(path, .patch, headers: ["Upload-Offset": "0"], body: bytes)
            #expect(refused.status == .conflict)
            #expect(refused.json["error"] as? String == "upload_busy")
            #expect(try await tus.client.tus(path, .head).headers[HTTPField.Name("Upload-Offset")!] == "0")
            try await tus.uploads.release(id: id, token: "other")
            let done = try await tus.client.sendChunks(path, bytes, chunk: bytes.count)
            #expect(done.status == .created)
        }
    }

    @Test(
        "a PATCH's heartbeat keeps its lease past its first term; only the holder can renew it",
        arguments: [DatabaseKind.sqlite, .postgres])
    func leaseRenewal(database: DatabaseKind) async throws {
        try await withTusApp(database, .local) { tus in
            let bytes = try TestImages.uniqueJPEG(width: 40, height: 30, tag: "renew-\(database)")
            let path = try await tus.client.createUpload(length: bytes.count)
            let id = String(path.dropFirst("/uploads/".count))
            let now = Date()
            let claim = try await tus.uploads.claim(
                id: id, offset: 0, token: "holder", until: now.addingTimeInterval(30), now: now)
            guard case .claimed = claim else {
                Issue.record("claim failed: \(claim)")
                return
            }
            // Renewed before its term ends: another server 40 s later still finds it busy.
            #expect(try await tus.uploads.renew(id: id, token: "holder", until: now.addingTimeInterval(60)))
            let later = now.addingTimeInterval(40)
            #expect(
                try await tus.uploads.claim(
                    id: id, offset: 0, token: "other", until: later.addingTimeInterval(30), now: later) == .busy)
            #expect(try await tus.uploads.renew(id: id, token: "intruder", until: now.addingTimeInterval(600)) == false)
            // Not renewed again (its server died): free once the renewed term has passed.
            let after = now.addingTimeInterval(61)
            guard
                case .claimed = try await tus.uploads.claim(
                    id: id, offset: 0, token: "next", until: after.addingTimeInterval(30), now: after)
            else {
                Issue.record("the lease should have run out")
                return
            }
            #expect(try await tus.uploads.renew(id: id, token: "holder", until: now.addingTimeInterval(90)) == false)
        }
    }

    @Test("an expired upload answers 410, and the sweep removes it with its parts", arguments: combinations)
    func expiry(database: DatabaseKind, storage: TusStorage) async throws {
        try await withTusApp(database, storage) { tus in
            let bytes = try paddedJPEG(padding: 6 * 1024 * 1024)
            let path = try await tus.client.createUpload(length: bytes.count)
            _ = try await tus.client.sendChunks(path, Array(bytes[0..<(5 * 1024 * 1024 + 10)]), chunk: 6 * 1024 * 1024)
            if storage == .s3 {
                #expect(try await tus.openMultipartUploads().count == 1)
            } else {
                #expect(tus.stagedFiles.count == 1)
            }
            try await tus.sql("UPDATE uploads SET expires_at = 1")
            #expect(try await tus.client.tus(path, .head).status == .gone)
            let late = try await tus.client.tus(
                path, .patch, headers: ["Upload-Offset": String(5 * 1024 * 1024 + 10)], body: [1])
            #expect(late.status == .gone)
            let removed = try await ExpiredUploadSweep(
                uploads: tus.uploads, store: tus.store, logger: tus.workspace.logger
            ).run()
            #expect(removed == 1)
            #expect(try await tus.client.tus(path, .head).status == .notFound)
            #expect(try await tus.count("uploads") == 0)
            #expect(tus.stagedFiles.isEmpty)
            #expect(try await tus.openMultipartUploads().isEmpty)
        }
    }

    @Test(
        "DELETE terminates an upload and removes its parts; a file that is not an image is refused at completion",
        arguments: combinations)
    func terminationAndRefusal(database: DatabaseKind, storage: TusStorage) async throws {
        try await withTusApp(database, storage) { tus in
            let path = try await tus.client.createUpload(length: 100)
            _ = try await tus.client.sendChunks(path, [UInt8](repeating: 7, count: 50), chunk: 50)
            let deleted = try await tus.client.tus(path, .delete)
            #expect(deleted.status == .noContent)
            #expect(try await tus.client.tus(path, .head).status == .notFound)
            #expect(tus.stagedFiles.isEmpty)
            #expect(try await tus.openMultipartUploads().isEmpty)

            let text = Array("not a photo at all, just text".utf8)
            let other = try await tus.client.createUpload(length: text.count, name: "notes.txt")
            let refused = try await tus.client.tus(other, .patch, headers: ["Upload-Offset": "0"], body: text)
            #expect(refused.status == .unsupportedMediaType)
            #expect(try await tus.count("photos") == 0)
            #expect(try await tus.count("uploads") == 0)
            #expect(tus.stagedFiles.isEmpty)

            let bytes = try TestImages.uniqueJPEG(width: 40, height: 30, tag: "declared-\(database)-\(storage)")
            let declared = try await tus.client.createUpload(
                length: bytes.count,
                extra: "sha256 " + Data(String(repeating: "0", count: 64).utf8).base64EncodedString())
            let mismatch = try await tus.client.tus(declared, .patch, headers: ["Upload-Offset": "0"], body: bytes)
            #expect(mismatch.status.code == 460)
            #expect(try await tus.count("photos") == 0)
        }
    }

    @Test("a finished upload becomes a ready photo once the worker ran")
    func readyPhoto() async throws {
        try await withTusApp(.sqlite, .local) { tus in
            let bytes = try TestImages.jpeg(width: 300, height: 200)
            let done = try await tus.client.sendChunks(
                try await tus.client.createUpload(length: bytes.count), bytes, chunk: 1000)
            #expect(done.status == .created)
            try await tus.workspace.runWorkerUntilIdle()
            let (_, photo) = try await tus.client.getJSON(try #require(done.headers[.location]))
            #expect(photo["status"] as? String == "ready")
            let missing = try await tus.client.getJSON("/photos?hash=" + String(repeating: "1", count: 64))
            #expect(missing.0.status == .notFound)
            let bad = try await tus.client.getJSON("/photos?hash=xyz")
            #expect(bad.0.status == .badRequest)
        }
    }

    @Test("a HEIC sent over tus in small chunks is a HEIC photo, ready once the worker ran")
    func heicOverTus() async throws {
        try await withTusApp(.sqlite, .local) { tus in
            let bytes = try TestImages.heif(width: 120, height: 90, exifOrientation: 1)
            let done = try await tus.client.sendChunks(
                try await tus.client.createUpload(length: bytes.count, name: "IMG_0002.HEIC"), bytes, chunk: 700)
            #expect(done.status == .created)
            try await tus.workspace.runWorkerUntilIdle()
            let (_, photo) = try await tus.client.getJSON(try #require(done.headers[.location]))
            #expect(photo["status"] as? String == "ready")
            #expect(photo["content_type"] as? String == "image/heic")
            #expect(photo["captured_at"] as? String == "2023-04-05T06:07:08")
            let urls = try #require(photo["urls"] as? [String: Any])
            #expect((urls["original"] as? String)?.hasSuffix(".heic") == true)
        }
    }
}
