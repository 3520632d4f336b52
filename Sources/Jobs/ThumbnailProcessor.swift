import Database
import Foundation
import Imaging
import Logging
import Metrics
import NIOPosix
import Storage
import Tracing

#if canImport(Glibc)
    import Glibc
#endif

/// Turns a photo's original into its display image and thumbnail, stores them, and marks the photo ready
/// in the transaction that completes the job. Idempotent: derivatives are named by the original's hash.
public struct ThumbnailProcessor: Sendable {
    let photos: any PhotoRepository
    let queue: any JobQueue
    let store: any MediaStore
    let options: PipelineOptions
    let threadPool: NIOThreadPool

    public init(
        photos: any PhotoRepository, queue: any JobQueue, store: any MediaStore, options: PipelineOptions,
        threadPool: NIOThreadPool = .singleton
    ) {
        self.photos = photos
        self.queue = queue
        self.store = store
        self.options = options
        self.threadPool = threadPool
    }

    /// Runs the pipeline for the job's photo. Throws `JobError`, permanent or transient.
    public func process(_ job: ClaimedJob, logger: Logger) async throws {
        guard let photoID = job.photoID else { throw JobError("the job names no photo", isPermanent: true) }
        let photo: Photo
        do {
            guard let found = try await photos.photo(id: photoID) else {
                throw JobError("the photo no longer exists", isPermanent: true)
            }
            photo = found
        } catch let error as JobError {
            throw error
        } catch {
            throw JobError("database unavailable: \(error)", isPermanent: false)
        }
        let original = MediaKey(kind: .original, hash: photo.hash, fileExtension: photo.originalExtension)
        let options = self.options
        let threadPool = self.threadPool
        let derivatives: Derivatives
        let pipelineStarted: DefaultTracerClock.Instant
        do {
            // The pipeline is CPU-bound and blocking: keep it off the cooperative pool the server shares.
            (derivatives, pipelineStarted) = try await store.withLocalFile(original) { path in
                try await threadPool.runIfActive {
                    BackgroundPriority.applyToCurrentThread()
                    let started = DefaultTracerClock.now
                    return (try ImagePipeline.makeDerivatives(fromFile: path, options: options), started)
                }
            }
        } catch let error as ImagingError {
            throw JobError(error.message, isPermanent: error.isPermanent)
        } catch let error as StorageError where error.code == .notFound {
            throw JobError("the original file is missing from storage", isPermanent: true)
        } catch {
            throw JobError("could not read the original: \(error)", isPermanent: false)
        }
        // The stages ran one after another on the pool's thread, which has no task context: their spans are
        // recorded here, from the pipeline's own timings, under this job's span.
        var stageStart = pipelineStarted
        for (stage, span, duration) in [
            ("decode", "image.decode", derivatives.timings.decode),
            ("resample", "image.resize", derivatives.timings.resample),
            ("encode", "image.encode", derivatives.timings.encode),
        ] {
            Timer(
                label: "memories_thumbnail_stage_seconds", dimensions: [("stage", stage)],
                preferredDisplayUnit: .seconds
            )
            .recordNanoseconds(duration.nanoseconds)
            let stageSpan = startSpan(span, at: stageStart)
            stageStart = stageStart.advanced(by: duration)
            stageSpan.end(at: stageStart)
        }
        let display = MediaKey(
            kind: .display, hash: photo.hash, fileExtension: derivatives.display.format.fileExtension)
        let thumbnail = MediaKey(
            kind: .thumbnail, hash: photo.hash, fileExtension: derivatives.thumbnail.format.fileExtension)
        let twins = [derivatives.displayWebP, derivatives.thumbnailWebP]
        let twinKeys = [MediaKey.Kind.display, .thumbnail].map { kind in
            MediaKey(kind: kind, hash: photo.hash, fileExtension: ImageFormat.webp.fileExtension)
        }
        do {
            // All at once: each waits mostly on its fsyncs, which the disk can overlap.
            let store = self.store
            try await withThrowingTaskGroup(of: Void.self) { group in
                var files = [(display, derivatives.display), (thumbnail, derivatives.thumbnail)]
                for (key, twin) in zip(twinKeys, twins) { if let twin { files.append((key, twin)) } }
                for (key, image) in files {
                    group.addTask {
                        try await withSpan("storage.put", ofKind: .client) { span in
                            span.attributes["media.kind"] = key.kind.rawValue
                            span.attributes["media.bytes"] = image.bytes.count
                            try await store.put(key, bytes: image.bytes, contentType: image.format.contentType)
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            throw JobError("could not store the derivatives: \(error)", isPermanent: false)
        }
        let completed: Bool
        do {
            let photos = self.photos
            let displayInfo = DerivativeInfo(derivatives.display, key: display)
            let thumbnailInfo = DerivativeInfo(derivatives.thumbnail, key: thumbnail)
            let extras = DerivativeExtras(
                displayWebPBytes: derivatives.displayWebP?.bytes.count,
                thumbnailWebPBytes: derivatives.thumbnailWebP?.bytes.count,
                placeholder: derivatives.placeholder.map { Data($0).base64EncodedString() })
            completed = try await withSpan("photo.mark_ready", ofKind: .client) { _ in
                try await queue.complete(job) { transaction in
                    try await photos.markReady(
                        photoID: photoID, display: displayInfo, thumbnail: thumbnailInfo, extras: extras,
                        in: transaction)
                }
            }
        } catch {
            throw JobError("could not record the result: \(error)", isPermanent: false)
        }
        if !completed {
            logger.warning(
                "job lease lost before completion", metadata: ["job.id": "\(job.id)", "photo.id": "\(photoID)"])
            // The photo may have been deleted while we worked: then nothing refers to what we just wrote.
            if (try? await photos.photo(id: photoID)) == .some(nil) {
                for key in [display, thumbnail] + twinKeys { try? await store.delete(key) }
            }
        }
    }
}

extension DerivativeInfo {
    init(_ image: EncodedImage, key: MediaKey) {
        self.init(fileExtension: key.fileExtension, width: image.width, height: image.height, bytes: image.bytes.count)
    }
}

/// Image work yields the CPU to requests: the thread that runs the pipeline is lowered to nice 10 (the first time;
/// an unprivileged process cannot raise it again, and need not). When the machine is idle the worker still gets
/// every core; when uploads and page views compete with it, they win, instead of waiting behind a batch of decodes
/// (on 2 cores, uploads competing with the worker otherwise see a p99 over a second). On Linux the call applies to the
/// calling thread only.
enum BackgroundPriority {
    static let nice: Int32 = 10

    static func applyToCurrentThread() {
        #if os(Linux)
            errno = 0
            let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            if errno == 0, current < nice {
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
            }
        #endif
    }
}
