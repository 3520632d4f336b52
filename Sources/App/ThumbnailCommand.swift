import ArgumentParser
import Foundation
import Imaging

/// `app thumbnail IN OUTDIR`: the image pipeline on one file, no database.
struct ThumbnailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thumbnail",
        abstract: "Run the image pipeline on one file: writes OUTDIR/display.jpg and OUTDIR/thumbnail.jpg (.png when transparent).")

    @Argument(help: "The JPEG or PNG to process.") var input: String
    @Argument(help: "The folder to write display and thumbnail into (created if missing).") var outputDirectory: String
    @OptionGroup var settings: Settings

    func run() async throws {
        let role = "app thumbnail"
        do {
            var reader = SettingReader(environment: ProcessInfo.processInfo.environment)
            let options = reader.pipelineOptions(settings)
            if !reader.problems.isEmpty { throw Configuration.Invalid(problems: reader.problems) }
            let derivatives = try ImagePipeline.makeDerivatives(fromFile: input, options: options)
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
            for (name, image) in [("display", derivatives.display), ("thumbnail", derivatives.thumbnail)] {
                let path = "\(outputDirectory)/\(name).\(image.format.fileExtension)"
                try Data(image.bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
                print("\(path) \(image.width)x\(image.height) \(image.bytes.count) bytes")
            }
        } catch {
            throw Failure.report(error, role: role)
        }
    }
}
