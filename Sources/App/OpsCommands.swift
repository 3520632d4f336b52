import ArgumentParser
import AsyncHTTPClient
import Composition
import Database
import Foundation
import Jobs
import Logging
import Storage

/// `app check`: prints the effective configuration (secrets masked) and tests each connection.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Print the effective configuration and test the database and storage.")

    @OptionGroup var options: AllOptions
    var settings: Settings { options.settings }

    func run() async throws {
        let (configuration, _, logger) = try Runtime.prepare(settings, role: "app check")
        for (name, value) in configuration.summary { print("\(name)=\(value)") }
        var failures = 0
        func report(_ name: String, _ work: () async throws -> String) async {
            do {
                print("check \(name): ok (\(try await work()))")
            } catch {
                failures += 1
                print("check \(name): FAILED: \(Failure.message(error))")
            }
        }
        await report("database") {
            let database = try await DatabaseBackend.open(configuration, logger: logger)
            let pending = try await database.run { try await database.pending() }
            guard pending.isEmpty else {
                throw DatabaseError(
                    .migrationsPending, "migrations pending (\(pending.joined(separator: ", "))): run `app migrate`")
            }
            return "reachable, migrations current"
        }
        await report("storage") {
            let (store, client) = try Runtime.openStore(configuration, logger: logger)
            do {
                try await store.checkHealth()
                try? await client?.shutdown()
            } catch {
                try? await client?.shutdown()
                throw error
            }
            return "reachable"
        }
        await report("queue") {
            guard case .sqs(let settings) = configuration.queue else { return "database (the jobs table)" }
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(3))))
            do {
                let summary = try await SQSJobQueue.checkConfiguration(
                    client: SQSClient(configuration: settings, httpClient: client, logger: logger))
                try? await client.shutdown()
                return "sqs: \(summary)"
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
        await report("cache") {
            let cache = try configuration.cache.open(logger: logger)
            try await cache.checkHealth()
            return cache.isShared ? "reachable (\(cache.description))" : "memory, per process"
        }
        if failures > 0 { throw ExitCode(1) }
    }
}

/// `app storage copy --from local --to s3`: moves an existing media folder to object storage, or back.
struct StorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storage", abstract: "Media storage tools.", subcommands: [StorageCopyCommand.self])
}

/// Copies every file the database knows of from one store to the other, skipping those already there.
struct StorageCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract:
            "Copy every photo's files between the local MEDIA_ROOT and S3 (both configured), skipping objects already there."
    )

    @Option(help: "local or s3") var from: String
    @Option(help: "s3 or local") var to: String
    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    @OptionGroup(title: StorageOptions.title) var storage: StorageOptions
    var settings: Settings { Settings(process: process, database: database, storage: storage) }

    func run() async throws {
        let role = "app storage copy"
        guard Set([from, to]) == ["local", "s3"] else {
            throw Failure.report(ValidationError("expected --from local --to s3, or --from s3 --to local"), role: role)
        }
        let configuration: Configuration
        let s3: S3Configuration
        do {
            configuration = try Configuration(settings: settings)
            s3 = try Configuration.s3(settings: settings, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw Failure.report(error, role: role)
        }
        _ = Runtime.bootstrapObservability(configuration)
        let logger = Logger(label: "memories")
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(3))))
        do {
            let local = try LocalStore(root: configuration.mediaRoot, baseURL: configuration.mediaURL)
            let remote = try S3Store(configuration: s3, httpClient: client, logger: logger)
            let (source, destination): (any MediaStore, any MediaStore) =
                from == "local" ? (local, remote) : (remote, local)
            let database = try await DatabaseBackend.open(configuration, logger: logger)
            let keys = try await database.run {
                try await database.requireCurrent()
                return try await Self.keys(in: database.photos)
            }
            var copied = 0
            var skipped = 0
            var missing = 0
            for (index, key) in keys.enumerated() {
                if try await destination.size(of: key) != nil {
                    skipped += 1
                } else if try await source.size(of: key) == nil {
                    missing += 1
                } else {
                    try await source.withLocalFile(key) { path in
                        let copy = destination.temporaryDirectory + "/copy-" + UUID().uuidString
                        try FileManager.default.copyItem(atPath: path, toPath: copy)
                        do {
                            try await destination.put(key, movingFile: copy, contentType: key.contentType)
                        } catch {
                            POSIXFile.removeIfPresent(copy)
                            throw error
                        }
                    }
                    copied += 1
                }
                Self.progress(done: index + 1, total: keys.count, copied: copied, skipped: skipped)
            }
            FileHandle.standardError.write(Data("\n".utf8))
            print(
                "copied \(copied), already there \(skipped), missing from the source \(missing), of \(keys.count) files"
            )
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw Failure.report(error, role: role)
        }
    }

    /// Every key the photos table refers to: originals, and derivatives of ready photos.
    static func keys(in photos: any PhotoRepository) async throws -> [MediaKey] {
        var keys: [MediaKey] = []
        var cursor: Int64?
        while true {
            let page = try await photos.photos(before: cursor, limit: 500)
            for photo in page {
                keys.append(MediaKey(kind: .original, hash: photo.hash, fileExtension: photo.originalExtension))
                if let display = photo.display {
                    keys.append(MediaKey(kind: .display, hash: photo.hash, fileExtension: display.fileExtension))
                }
                if let thumbnail = photo.thumbnail {
                    keys.append(MediaKey(kind: .thumbnail, hash: photo.hash, fileExtension: thumbnail.fileExtension))
                }
                if photo.extras.displayWebPBytes != nil {
                    keys.append(MediaKey(kind: .display, hash: photo.hash, fileExtension: "webp"))
                }
                if photo.extras.thumbnailWebPBytes != nil {
                    keys.append(MediaKey(kind: .thumbnail, hash: photo.hash, fileExtension: "webp"))
                }
            }
            guard let last = page.last, page.count == 500 else { break }
            cursor = last.id
        }
        return keys
    }

    /// A one-line progress bar on stderr.
    static func progress(done: Int, total: Int, copied: Int, skipped: Int) {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(
            Data("\r[\(bar)] \(done)/\(total) files, \(copied) copied, \(skipped) already there".utf8))
    }
}
