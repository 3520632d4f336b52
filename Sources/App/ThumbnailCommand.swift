import ArgumentParser
import Composition
import Foundation
import Imaging
import Storage

/// `app thumbnail IN… OUTDIR`: the image pipeline on files, no database.
///
/// One input writes `OUTDIR/display.*` and `OUTDIR/thumbnail.*`; several inputs write one subfolder per input,
/// named after the file without its extension, so that a benchmark pays process start-up once.
struct ThumbnailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbnail",
        abstract:
            "Run the image pipeline on files: writes display.jpg and thumbnail.jpg (.png when transparent) and their .webp twins.",
        discussion: """
            app thumbnail IN OUTDIR writes OUTDIR/display.jpg and OUTDIR/thumbnail.jpg.
            app thumbnail A.jpg B.png … OUTDIR writes OUTDIR/A/display.jpg, OUTDIR/B/display.png and so on.
            A file that fails is reported on stderr with its name; the others are still processed and the
            exit status is 1 at the end.
            """)

    @Argument(
        help: "The JPEG, PNG, HEIC, AVIF or WebP files to process, then the folder to write into (created if missing).")
    var paths: [String] = []
    @OptionGroup(title: ImageLimitOptions.title) var imageLimits: ImageLimitOptions
    @OptionGroup(title: ImagingOptions.title) var imaging: ImagingOptions
    var settings: Settings { Settings(imageLimits: imageLimits, imaging: imaging) }
    @Option(
        help:
            "Least reduction left to the resampler after JPEG DCT scaling (default 1.25; 2 as libvips; for benchmarks)."
    )
    var decodeHeadroom: Double = PipelineOptions().decodeHeadroom
    @Flag(help: "Also print each file's decode, resample and encode times in milliseconds, then their totals.")
    var timings = false
    @Flag(
        name: .customLong("no-webp"),
        help: "Skip the WebP twins (to time the JPEG/PNG derivatives alone; for benchmarks).")
    var noWebP = false
    @Option(help: "libheif's tile threads for grid HEICs (0: the calling thread only; default: one per core).")
    var heifThreads: Int?

    func validate() throws {
        guard paths.count >= 2 else {
            throw ValidationError("Give at least one input file and the output folder.")
        }
        guard (1...8).contains(decodeHeadroom) else {
            throw ValidationError("--decode-headroom must be between 1 and 8.")
        }
    }

    func run() async throws {
        let role = "app thumbnail"
        let options: PipelineOptions
        do {
            var reader = SettingReader(environment: ProcessInfo.processInfo.environment)
            var parsed = reader.pipelineOptions(settings)
            parsed.decodeHeadroom = decodeHeadroom
            parsed.makeWebP = parsed.makeWebP && !noWebP
            parsed.heifThreads = heifThreads
            options = parsed
            if !reader.problems.isEmpty { throw Configuration.Invalid(problems: reader.problems) }
        } catch {
            throw Failure.report(error, role: role)
        }
        let inputs = Array(paths.dropLast())
        let outputRoot = paths[paths.count - 1]
        var failures = 0
        var totals = StageTimings()
        var usedFolders: Set<String> = []
        for input in inputs {
            let folder: String
            if inputs.count == 1 {
                folder = outputRoot
            } else {
                let stem = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
                guard usedFolders.insert(stem).inserted else {
                    report("\(input): another input already writes to \(outputRoot)/\(stem)")
                    failures += 1
                    continue
                }
                folder = "\(outputRoot)/\(stem)"
            }
            do {
                let stages = try Self.process(input, into: folder, options: options)
                totals.decode += stages.decode
                totals.resample += stages.resample
                totals.encode += stages.encode
                if timings { print("\(input) \(Self.describe(stages))") }
            } catch {
                report("\(input): \(Failure.message(error))")
                failures += 1
            }
        }
        if timings { print("total \(Self.describe(totals))") }
        if failures > 0 {
            if inputs.count > 1 { report("\(failures) of \(inputs.count) files failed") }
            throw ExitCode(1)
        }
    }

    /// Makes both derivatives of one file and writes them into `folder`, printing one line per file written.
    private static func process(_ input: String, into folder: String, options: PipelineOptions) throws -> StageTimings {
        let derivatives = try ImagePipeline.makeDerivatives(fromFile: input, options: options)
        try POSIXFile.makeDirectories(folder)
        let images = [
            ("display", derivatives.display), ("thumbnail", derivatives.thumbnail),
            ("display", derivatives.displayWebP), ("thumbnail", derivatives.thumbnailWebP),
        ].compactMap { name, image in image.map { (name, $0) } }
        for (name, image) in images {
            let path = "\(folder)/\(name).\(image.format.fileExtension)"
            try Self.write(image.bytes, to: path)
            print("\(path) \(image.width)x\(image.height) \(image.bytes.count) bytes")
        }
        return derivatives.timings
    }

    /// Writes through a temporary file renamed into place, so a reader never sees half a file; no fsync, since these
    /// are a command's outputs, not media the app has promised to keep.
    private static func write(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".part"
        POSIXFile.removeIfPresent(temporary)
        let descriptor = try POSIXFile.createExclusive(temporary)
        do {
            try bytes.withUnsafeBytes { try POSIXFile.writeAll(descriptor, $0) }
            POSIXFile.closeQuietly(descriptor)
            try POSIXFile.rename(temporary, to: path)
        } catch {
            POSIXFile.closeQuietly(descriptor)
            POSIXFile.removeIfPresent(temporary)
            throw error
        }
    }

    private static func describe(_ stages: StageTimings) -> String {
        func milliseconds(_ duration: Duration) -> String { String(format: "%.1f", duration / .milliseconds(1)) }
        return "decode \(milliseconds(stages.decode)) ms, resample \(milliseconds(stages.resample)) ms, "
            + "encode \(milliseconds(stages.encode)) ms"
    }

    private func report(_ line: String) {
        FileHandle.standardError.write(Data("app thumbnail: \(line)\n".utf8))
    }
}
