import ArgumentParser
import AsyncHTTPClient
import Composition
import Database
import Foundation
import Imaging
import Ingest
import Jobs
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Storage

/// `app import DIR…`: ingests folders recursively (JPEG, PNG, HEIC, AVIF and WebP, by their bytes), straight into the configured
/// database and store, or into a server over tus with `--server URL --token TOKEN`. Files already there (by hash)
/// are skipped, so an interrupted import is finished by running it again.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Import the JPEG, PNG, HEIC, AVIF and WebP files under folders, skipping photos already there (run again to finish)."
    )

    @Argument(help: "Folders (searched recursively) or files to import.")
    var paths: [String]

    @Option(
        name: .customLong("server"),
        help:
            "Upload to this server over tus (e.g. https://photos.example.org) instead of the configured database and store."
    )
    var server: String?

    @Option(
        name: .customLong("token"), help: "API token sent as Authorization: Bearer with --server (or MEMORIES_TOKEN).")
    var token: String?

    @Flag(name: .customLong("verbose"), help: "Name every file skipped as not an image or in an unsupported format.")
    var verbose = false

    @Option(name: .customLong("concurrency"), help: "Files imported at once, 1 to 64 (default 4).")
    var concurrency = 4

    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    @OptionGroup(title: StorageOptions.title) var storage: StorageOptions
    @OptionGroup(title: ImageLimitOptions.title) var imageLimits: ImageLimitOptions
    @OptionGroup(title: QueueOptions.title) var queue: QueueOptions
    @OptionGroup(title: CacheOptions.title) var cache: CacheOptions
    var settings: Settings {
        Settings(
            process: process, database: database, storage: storage, imageLimits: imageLimits, queue: queue, cache: cache
        )
    }

    /// Chunk size of uploads to a server: S3's part minimum, and well under any proxy's body limit.
    static let chunkBytes = 5 * 1024 * 1024

    func run() async throws {
        let importConcurrency = concurrency
        guard (1...64).contains(importConcurrency) else {
            throw ValidationError("--concurrency: expected 1 to 64 files at once; got \(concurrency)")
        }
        let found = Self.discover(paths)
        let files = found.images
        Self.reportSkipped(found, verbose: verbose)
        guard !files.isEmpty else {
            Console.line("no \(ImageFormat.acceptedList) files found under \(paths.joined(separator: ", "))")
            return
        }
        let totalBytes = files.reduce(0) { $0 + $1.bytes }
        Console.line(
            "importing \(files.count) photo\(files.count == 1 ? "" : "s") (\(ImportProgress.megabytes(totalBytes)))"
                + (server.map { " into \($0)" } ?? ""))
        let progress = ImportProgress(
            totalFiles: files.count, totalBytes: totalBytes, isTerminal: isatty(STDOUT_FILENO) == 1,
            skipped: (notImages: found.notImages.count, unsupported: found.unsupported.count))
        let interrupted = NIOLockedValueBox(false)

        let work: Task<Void, any Error>
        if let server {
            let base = server.hasSuffix("/") ? String(server.dropLast()) : server
            let token = self.token ?? ProcessInfo.processInfo.environment["MEMORIES_TOKEN"]
            let concurrency = importConcurrency
            work = Task {
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                let client = TusClient(http: http, server: base, token: token)
                await Self.each(files, concurrency: concurrency) { file in
                    await Self.upload(file, client: client, progress: progress)
                }
                try? await http.shutdown()
            }
        } else {
            let (configuration, _, baseLogger) = try Runtime.prepare(settings, role: "app import")
            var logger = baseLogger
            logger.logLevel = .warning
            let concurrency = importConcurrency
            work = Task {
                try await Runtime.with(configuration, migrate: false, logger: logger) { runtime in
                    let ingest = PhotoIngest(
                        database: runtime.database.sql, photos: runtime.photos, queue: runtime.queue,
                        wake: WakeSignal(),
                        maxJobAttempts: configuration.maxAttempts, logger: logger)
                    let store = runtime.store
                    let maxPixels = configuration.maxPixels
                    await Self.each(files, concurrency: concurrency) { file in
                        await Self.ingest(file, ingest: ingest, store: store, maxPixels: maxPixels, progress: progress)
                    }
                }
            }
        }
        // SIGINT stops starting files and cancels those in flight; what finished stays, and a rerun skips it.
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            interrupted.withLockedValue { $0 = true }
            work.cancel()
        }
        source.resume()
        let result = await work.result
        source.cancel()
        if case .failure(let error) = result, !(error is CancellationError) {
            throw Failure.report(error, role: "app import")
        }
        let wasInterrupted = interrupted.withLockedValue { $0 }
        let anyFailed = await progress.summary(interrupted: wasInterrupted)
        if wasInterrupted { throw ExitCode(130) }
        if anyFailed { throw ExitCode(1) }
    }

    /// A file to import: its path, the name shown, and its size.
    struct ImageFile: Sendable {
        var path: String
        var name: String
        var bytes: Int
    }

    /// What a walk of `paths` found, each file judged by its first bytes: the images, and what it skipped.
    struct Discovery: Sendable {
        var images: [ImageFile] = []
        var notImages: [String] = []
        var unsupported: [(path: String, format: String)] = []
    }

    /// Every regular file under `paths`, in a stable order, sorted into images and skipped files.
    static func discover(_ paths: [String]) -> Discovery {
        var found = Discovery()
        let manager = FileManager.default
        func consider(_ path: String) {
            guard let attributes = try? manager.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let size = attributes[.size] as? Int, size > 0
            else { return }
            switch sniff(path) {
            case .image:
                found.images.append(ImageFile(path: path, name: (path as NSString).lastPathComponent, bytes: size))
            case .unsupported(let format): found.unsupported.append((path, format))
            case .notAnImage: found.notImages.append(path)
            }
        }
        for root in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: root, isDirectory: &isDirectory) else {
                Console.line("not found: \(root)")
                continue
            }
            guard isDirectory.boolValue else {
                consider(root)
                continue
            }
            let enumerator = manager.enumerator(atPath: root)
            var relative: [String] = []
            while let next = enumerator?.nextObject() as? String { relative.append(next) }
            for item in relative.sorted() { consider(root + "/" + item) }
        }
        return found
    }

    /// The file's kind by its first bytes, with the same header probe uploads use.
    static func sniff(_ path: String) -> SniffedFile {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .notAnImage }
        defer { try? handle.close() }
        return FileSniffer.classify([UInt8]((try? handle.read(upToCount: FileSniffer.headBytes)) ?? Data()))
    }

    /// The skipped files, counted by reason (and named with `--verbose`), before the import starts.
    static func reportSkipped(_ found: Discovery, verbose: Bool) {
        if !found.notImages.isEmpty {
            let count = found.notImages.count
            Console.line("skipping \(count) file\(count == 1 ? " that is not an image" : "s that are not images")")
            if verbose { for path in found.notImages { Console.line("  not an image: \(path)") } }
        }
        if !found.unsupported.isEmpty {
            let byFormat = Dictionary(grouping: found.unsupported, by: \.format).map { "\($0.key) \($0.value.count)" }
            Console.line(
                "skipping \(found.unsupported.count) file\(found.unsupported.count == 1 ? "" : "s") in formats this "
                    + "version does not take (\(byFormat.sorted().joined(separator: ", ")))")
            if verbose {
                for file in found.unsupported { Console.line("  unsupported (\(file.format)): \(file.path)") }
            }
        }
    }

    /// Runs `body` over the files with at most `concurrency` at once; stops starting new ones once cancelled.
    static func each(_ files: [ImageFile], concurrency: Int, _ body: @escaping @Sendable (ImageFile) async -> Void)
        async
    {
        await withTaskGroup(of: Void.self) { group in
            for (index, file) in files.enumerated() {
                if index >= concurrency {
                    await group.next()
                    if Task.isCancelled { return }
                }
                group.addTask { await body(file) }
            }
        }
    }

    /// Retries `work` while it fails transiently: 6 tries, 0.5 s doubling (up to 8 s), with jitter.
    static func retrying<T: Sendable>(_ work: () async throws -> T) async throws -> T {
        var delay = 0.5
        for attempt in 1... {
            do {
                return try await work()
            } catch let error as ImportError {
                guard case .transient = error, attempt < 6 else { throw error }
            } catch  where error is DatabaseError || error is StorageError {
                guard attempt < 6 else { throw error }
            }
            try await Task.sleep(for: .milliseconds(Int(delay * 1000 * Double.random(in: 0.5...1.0))))
            delay = min(8, delay * 2)
        }
        fatalError("unreachable")
    }

    /// Straight into the configured database and store, through the same steps as an upload.
    static func ingest(
        _ file: ImageFile, ingest: PhotoIngest, store: any MediaStore, maxPixels: Int, progress: ImportProgress
    ) async {
        guard !Task.isCancelled else { return }
        let outcome: ImportOutcome
        do {
            let result = try await retrying {
                try await ingest.record(
                    file: file.path, originalName: file.name, albumID: nil, maxPixels: maxPixels, store: store,
                    consume: false)
            }
            outcome = result.isNew ? .imported : .duplicate
        } catch is CancellationError {
            return
        } catch let error as IngestError {
            outcome = .failed(error.message)
        } catch {
            if Task.isCancelled { return }
            outcome = .failed(Failure.message(error))
        }
        await progress.finished(file.path, bytes: file.bytes, unsentBytes: file.bytes, outcome: outcome)
    }

    /// To a server: the hash first (a known photo is skipped), then tus in 5 MiB chunks, resuming from `HEAD`.
    static func upload(_ file: ImageFile, client: TusClient, progress: ImportProgress) async {
        guard !Task.isCancelled else { return }
        var sent = 0
        let outcome: ImportOutcome
        do {
            let inspected = try await PhotoIngest.inspect(file: file.path, fileName: file.name, maxPixels: Int.max)
            if try await retrying({ try await client.exists(hash: inspected.hash) }) {
                outcome = .duplicate
            } else {
                let url = try await retrying {
                    try await client.create(length: inspected.bytes, name: file.name, hash: inspected.hash)
                }
                let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: file.path))
                defer { try? handle.close() }
                var offset = 0
                var finished: Bool?
                var failures = 0
                while finished == nil {
                    try Task.checkCancellation()
                    try handle.seek(toOffset: UInt64(offset))
                    let data = try handle.read(upToCount: chunkBytes) ?? Data()
                    do {
                        switch try await client.patch(url, offset: offset, chunk: ByteBuffer(bytes: data)) {
                        case .accepted(let next):
                            await progress.sent(next - offset)
                            sent += next - offset
                            offset = next
                        case .finished(let isNew):
                            await progress.sent(data.count)
                            sent += data.count
                            finished = isNew
                        }
                        failures = 0
                    } catch let error as ImportError {
                        guard case .transient = error, failures < 5 else { throw error }
                        failures += 1
                        try await Task.sleep(for: .milliseconds(500 << failures))
                        let resumed = try await retrying { try await client.offset(of: url) }
                        await progress.sent(resumed - offset)
                        sent += resumed - offset
                        offset = resumed
                    }
                }
                outcome = finished == true ? .imported : .duplicate
            }
        } catch is CancellationError {
            return
        } catch let error as IngestError {
            outcome = .failed(error.message)
        } catch {
            if Task.isCancelled { return }
            outcome = .failed("\(error)")
        }
        await progress.finished(file.path, bytes: file.bytes, unsentBytes: file.bytes - sent, outcome: outcome)
    }
}
