import AsyncHTTPClient
import Foundation
import NIOCore

@testable import Storage

/// Where shared fixtures and test services are found, and helpers the storage tests share.
enum TestSupport {
    /// The repository root: the nearest folder above this file (symlinks resolved) that holds Package.swift.
    static func repositoryRoot(filePath: String = #filePath) -> URL? {
        var folder = URL(fileURLWithPath: filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
                return folder
            }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// `MEMORIES_SHARED_DIR`, or `../shared` beside the repository.
    static var sharedDirectory: URL? {
        if let override = ProcessInfo.processInfo.environment["MEMORIES_SHARED_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override).resolvingSymlinksInPath()
        }
        return repositoryRoot()?.deletingLastPathComponent().appendingPathComponent("shared").resolvingSymlinksInPath()
    }

    /// A valid content-hash key (the hash of `seed`, so keys differ per test).
    static func key(_ kind: MediaKey.Kind = .original, seed: String = UUID().uuidString, ext: String = "jpg")
        -> MediaKey
    {
        MediaKey(kind: kind, hash: SigV4Signer.hexSHA256(Array(seed.utf8)), fileExtension: ext)
    }

    /// Deterministic pseudo-random bytes (xorshift), cheap enough for tens of megabytes.
    static func bytes(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var state = seed | 1
        var out = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            var word = state
            for _ in 0..<8 where index < count {
                out[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return out
    }

    /// Writes `bytes` to a new file under the system temp dir and returns its path.
    static func writeTemporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/storage-test-" + UUID().uuidString
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A bucket name no other test uses.
    static func uniqueBucket() -> String {
        "memories-test-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
    }

    static func environment(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// A store on moto (`MEMORIES_TEST_S3_ENDPOINT`) with its own new bucket, or nil (after printing why) when unset.
    static func motoStore(
        _ caller: String = #function,
        configure: (inout S3Configuration) -> Void = { _ in }
    ) async throws -> S3Store? {
        guard let endpoint = environment("MEMORIES_TEST_S3_ENDPOINT") else {
            print("skipped: MEMORIES_TEST_S3_ENDPOINT not set (\(caller)); start moto with scripts/services/moto.sh")
            return nil
        }
        var configuration = S3Configuration(
            bucket: uniqueBucket(), endpoint: endpoint, accessKeyID: "test", secretAccessKey: "test"
        )
        configure(&configuration)
        let store = try S3Store(configuration: configuration, httpClient: .shared)
        try await store.createBucket()
        return store
    }

    /// SHA-256 of a file's bytes, for comparing round trips without keeping both copies around.
    static func sha256(ofFile path: String) throws -> String {
        SigV4Signer.hexSHA256(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}
