import Foundation
import Logging
import NIOPosix

/// Media in a folder on this machine (`MEDIA_ROOT`), written atomically: temp file, fsync, rename, fsync of the folder.
public struct LocalStore: MediaStore {
    /// The absolute root folder.
    public let root: String
    /// The URL prefix media is served under, ending in "/".
    public let baseURL: String
    public var temporaryDirectory: String { root + "/.tmp" }
    let threadPool: NIOThreadPool
    /// Shared by every copy of this store: concurrent uploads into one folder share its fsyncs.
    let directorySyncs: DirectorySyncBatcher

    /// Opens (and creates) the folder layout: one subfolder per key kind and `.tmp` for uploads in flight.
    public init(root: String, baseURL: String = "/media/", threadPool: NIOThreadPool = .singleton) throws {
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        self.root = URL(fileURLWithPath: absolute).standardizedFileURL.path
        self.baseURL = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        self.threadPool = threadPool
        self.directorySyncs = DirectorySyncBatcher(threadPool: threadPool)
        do {
            for kind in MediaKey.Kind.allCases {
                try POSIXFile.makeDirectories(self.root + "/" + kind.rawValue)
            }
            try POSIXFile.makeDirectories(self.root + "/.tmp")
        } catch {
            throw StorageError(.unavailable, "cannot create the media folder (\(error))", underlying: error)
        }
    }

    /// The file that holds `key`.
    public func filePath(for key: MediaKey) -> String { root + "/" + key.path }

    public func put(_ key: MediaKey, movingFile path: String, contentType: String) async throws -> Bool {
        let destination = filePath(for: key)
        let folder = root + "/" + key.kind.rawValue
        let renamed = try await run {
            if try POSIXFile.size(destination) != nil {
                POSIXFile.removeIfPresent(path)
                // Written again just now: the orphan sweep judges age by this time, so it must not take the file
                // while the photo row for this upload is being inserted.
                utimes(destination, nil)
                return false
            }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw POSIXFile.Failure(operation: "open", code: errno) }
            defer { POSIXFile.closeQuietly(fd) }
            try POSIXFile.sync(fd)
            try POSIXFile.rename(path, to: destination)
            return true
        }
        if renamed { try await syncDirectory(folder) }
        return renamed
    }

    /// The folder's fsync, shared with the uploads renamed into it at the same time.
    private func syncDirectory(_ folder: String) async throws {
        do {
            try await directorySyncs.sync(folder)
        } catch let error as POSIXFile.Failure {
            if error.isOutOfSpace { throw StorageError(.outOfSpace, "the media disk is full", underlying: error) }
            throw StorageError(.unavailable, "media file operation failed (\(error))", underlying: error)
        }
    }

    public func put(_ key: MediaKey, bytes: [UInt8], contentType: String) async throws {
        let destination = filePath(for: key)
        let folder = root + "/" + key.kind.rawValue
        let temporary = temporaryDirectory + "/" + UUID().uuidString + ".part"
        try await run {
            do {
                let fd = try POSIXFile.createExclusive(temporary)
                defer { POSIXFile.closeQuietly(fd) }
                try bytes.withUnsafeBytes { buffer in try POSIXFile.writeAll(fd, buffer) }
                try POSIXFile.sync(fd)
                try POSIXFile.rename(temporary, to: destination)
            } catch {
                POSIXFile.removeIfPresent(temporary)
                throw error
            }
        }
        try await syncDirectory(folder)
    }

    public func withLocalFile<T: Sendable>(_ key: MediaKey, _ body: @Sendable (String) async throws -> T) async throws
        -> T
    {
        let path = filePath(for: key)
        guard try await size(of: key) != nil else {
            throw StorageError(.notFound, "the stored file \(key) is missing")
        }
        return try await body(path)
    }

    public func size(of key: MediaKey) async throws -> Int? {
        let path = filePath(for: key)
        return try await run { try POSIXFile.size(path) }
    }

    public func delete(_ key: MediaKey) async throws {
        let path = filePath(for: key)
        try await run { POSIXFile.removeIfPresent(path) }
    }

    public func url(for key: MediaKey) -> String { baseURL + key.path }

    public func checkHealth() async throws {
        let probe = temporaryDirectory + "/health-" + UUID().uuidString
        try await run {
            let fd = try POSIXFile.createExclusive(probe)
            POSIXFile.closeQuietly(fd)
            POSIXFile.removeIfPresent(probe)
        }
    }

    /// Removes upload temp files older than `age` seconds, left by a process that died mid-upload.
    public func removeStaleTemporaryFiles(olderThan age: TimeInterval = 3600) throws -> Int {
        POSIXFile.removeFiles(in: temporaryDirectory, modifiedBefore: Date().addingTimeInterval(-age))
    }

    public func listKeys(
        _ kind: MediaKey.Kind, modifiedBefore cutoff: Date, _ body: @Sendable ([MediaKey]) async throws -> Void
    ) async throws {
        let folder = root + "/" + kind.rawValue
        let names = try await run { try FileManager.default.contentsOfDirectory(atPath: folder) }
        var page: [MediaKey] = []
        for name in names {
            // Only well-formed keys: anything else in the folder is not ours to judge.
            guard let key = MediaKey(path: kind.rawValue + "/" + name) else { continue }
            let path = folder + "/" + name
            let modified = try await run {
                (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
            }
            guard let modified, modified < cutoff else { continue }
            page.append(key)
            if page.count == 500 {
                try await body(page)
                page.removeAll()
            }
        }
        if !page.isEmpty { try await body(page) }
    }

    /// Runs blocking file-system work on the thread pool, mapping failures to `StorageError` (a full disk to
    /// `fullDisk`: resumable uploads report it as `.unavailable`).
    func run<T: Sendable>(
        fullDisk: StorageError.Code = .outOfSpace, _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        do {
            return try await threadPool.runIfActive(work)
        } catch let error as POSIXFile.Failure {
            if error.isOutOfSpace { throw StorageError(fullDisk, "the media disk is full", underlying: error) }
            throw StorageError(.unavailable, "media file operation failed (\(error))", underlying: error)
        }
    }
}
