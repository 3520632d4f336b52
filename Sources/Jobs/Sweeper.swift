import Database
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// How often the sweep runs and what it counts as stuck or stale.
public struct SweepConfiguration: Sendable {
    /// Between two sweeps for stuck photos.
    public var interval: Duration
    /// A photo in `queued` or `processing` with no live job, untouched this long, is stuck. Photo and job change in
    /// one transaction, so no healthy photo is ever in that state; the wait only keeps the sweep out of the way of
    /// hand-made repairs in progress.
    public var stuckAfter: Duration
    /// Temp files and orphan originals older than this are removed (a day: an upload in flight is never that old).
    public var fileAge: TimeInterval
    /// Between two sweeps of the store's files (a listing of every original is costly on a big bucket).
    public var fileInterval: Duration
    /// The attempts a re-enqueued job gets.
    public var maxAttempts: Int

    public init(
        interval: Duration = .seconds(60), stuckAfter: Duration = .seconds(60), fileAge: TimeInterval = 86_400,
        fileInterval: Duration = .seconds(3600), maxAttempts: Int = 5
    ) {
        self.interval = interval
        self.stuckAfter = stuckAfter
        self.fileAge = fileAge
        self.fileInterval = fileInterval
        self.maxAttempts = maxAttempts
    }
}

/// What one sweep did.
public struct SweepReport: Sendable, Equatable {
    public var requeuedPhotos: [Int64] = []
    public var removedTemporaryFiles = 0
    public var removedOrphans: [MediaKey] = []
    /// Resumable uploads that expired unfinished, removed with their staged bytes.
    public var removedUploads = 0
    /// Photos purged from the trash after `TRASH_DAYS`.
    public var purgedFromTrash = 0

    public init() {}
}

/// The worker's housekeeping, as a service: re-enqueues photos whose job is gone (so no photo stays `queued`
/// forever), purges photos whose time in the trash is up, and removes what dead processes left in the store: temp
/// files and originals no photo refers to.
/// Every step is idempotent, so several workers sweeping at once do no harm.
public struct Sweeper: Service {
    let queue: any JobQueue
    let photos: any PhotoRepository
    let store: any MediaStore
    let configuration: SweepConfiguration
    let wake: WakeSignal
    let logger: Logger
    /// Removes expired resumable uploads on every sweep, when set.
    public var expiredUploads: ExpiredUploadSweep?
    /// Purges the trash's expired photos on every sweep, when set.
    public var trash: TrashSweep?

    public init(
        queue: any JobQueue, photos: any PhotoRepository, store: any MediaStore, configuration: SweepConfiguration,
        wake: WakeSignal, logger: Logger
    ) {
        self.queue = queue
        self.photos = photos
        self.store = store
        self.configuration = configuration
        self.wake = wake
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastFileSweep: ContinuousClock.Instant?
            // A short first wait: a worker restarted after an outage sweeps soon, but not in its start-up rush.
            var wait = min(configuration.interval, .seconds(30))
            while !Task.isCancelled {
                do { try await Task.sleep(for: wait) } catch { return }
                wait = configuration.interval
                let includeFiles = lastFileSweep.map { ContinuousClock.now - $0 >= configuration.fileInterval } ?? true
                if includeFiles { lastFileSweep = .now }
                _ = await sweep(includeFiles: includeFiles)
            }
        }
    }

    /// One sweep; failures are logged and leave the rest of the sweep to run.
    public func sweep(includeFiles: Bool = true) async -> SweepReport {
        var report = SweepReport()
        do {
            report.requeuedPhotos = try await queue.requeueStuckPhotos(
                idle: configuration.stuckAfter, maxAttempts: configuration.maxAttempts)
            if !report.requeuedPhotos.isEmpty {
                logger.warning(
                    "sweep re-enqueued photos that had no job",
                    metadata: ["photo.ids": "\(report.requeuedPhotos.map(String.init).joined(separator: ","))"])
                wake.notify()
            }
        } catch {
            logger.error("sweep for stuck photos failed", metadata: ["error": "\(error)"])
        }
        if let expiredUploads {
            do {
                report.removedUploads = try await expiredUploads.run()
            } catch {
                logger.error("sweep of expired uploads failed", metadata: ["error": "\(error)"])
            }
        }
        if let trash {
            do {
                report.purgedFromTrash = try await trash.run()
            } catch {
                logger.error("sweep of the trash failed", metadata: ["error": "\(error)"])
            }
        }
        guard includeFiles else { return report }
        do {
            report.removedTemporaryFiles = try await store.removeStaleTemporaryFiles(olderThan: configuration.fileAge)
            if report.removedTemporaryFiles > 0 {
                logger.info("sweep removed stale upload files", metadata: ["count": "\(report.removedTemporaryFiles)"])
            }
        } catch {
            logger.error("sweep of temporary files failed", metadata: ["error": "\(error)"])
        }
        do {
            report.removedOrphans = try await removeOrphanOriginals()
        } catch {
            logger.error("sweep for orphan originals failed", metadata: ["error": "\(error)"])
        }
        return report
    }

    /// Deletes originals older than `fileAge` whose hash no photo has: left when the database failed after the
    /// file was stored and could not be asked whether the row exists.
    private func removeOrphanOriginals() async throws -> [MediaKey] {
        let cutoff = Date().addingTimeInterval(-configuration.fileAge)
        let photos = self.photos
        let store = self.store
        let logger = self.logger
        let removed = RemovedKeys()
        try await store.listKeys(.original, modifiedBefore: cutoff) { keys in
            let known = try await photos.existingHashes(keys.map(\.hash))
            for key in keys where !known.contains(key.hash) {
                try await store.delete(key)
                logger.info("sweep removed an orphan original", metadata: ["media.key": "\(key)"])
                await removed.append(key)
            }
        }
        return await removed.keys
    }
}

/// Collects keys from the listing's `@Sendable` callback.
private actor RemovedKeys {
    var keys: [MediaKey] = []
    func append(_ key: MediaKey) { keys.append(key) }
}
