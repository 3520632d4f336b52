import Foundation
import Testing

@testable import Imaging

/// pillow-heif (PyPI) for HEIC, and Pillow's own AVIF plugin (libavif) where pillow-heif's wheel has no AV1
/// decoder: decoders that are not ours. Both apply a HEIF's irot/imir/clap once and ignore the EXIF orientation, the
/// behaviour our derivatives must match. Tests that use them are skipped, saying so, without pillow-heif.
enum IndependentDecoder {
    static let isAvailable: Bool = {
        (try? run(["-c", "import pillow_heif"]).status) == 0
    }()

    static let skipReason: Comment = "python3 with pillow-heif not found (pip install pillow-heif)"

    /// The primary image of a HEIF/AVIF file as 8-bit RGB (alpha dropped), resized with Pillow's Lanczos to
    /// `size` when given.
    static func decode(_ path: String, resizedTo size: (width: Int, height: Int)? = nil) throws -> PixelBuffer {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pillow-\(UUID().uuidString).rgb")
        defer { try? FileManager.default.removeItem(at: output) }
        let script = """
            import sys, pillow_heif
            from PIL import Image
            pillow_heif.register_heif_opener()
            image = Image.open(sys.argv[1])
            image.load()
            image = image.convert("RGB")
            if len(sys.argv) > 3:
                image = image.resize((int(sys.argv[3]), int(sys.argv[4])), Image.LANCZOS)
            open(sys.argv[2], "wb").write(image.width.to_bytes(4, "big") + image.height.to_bytes(4, "big") + image.tobytes())
            """
        var arguments = ["-c", script, path, output.path]
        if let size { arguments += [String(size.width), String(size.height)] }
        let result = try run(arguments)
        guard result.status == 0 else { throw DecoderFailure(message: result.errorOutput) }
        let bytes = [UInt8](try Data(contentsOf: output))
        let width = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        let height = bytes[4..<8].reduce(0) { $0 << 8 | Int($1) }
        return PixelBuffer(width: width, height: height, channels: 3, pixels: Array(bytes[8...]))
    }

    struct DecoderFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { "pillow-heif failed: \(message)" }
    }

    private static func run(_ arguments: [String]) throws -> (status: Int32, errorOutput: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Image comparisons for the format tests.
enum ImageCompare {
    /// Mean SSIM of the luma of two same-size RGB(A) images over 8×8 windows (stride 4): 1 is identical.
    static func ssim(_ a: PixelBuffer, _ b: PixelBuffer) -> Double {
        precondition(a.width == b.width && a.height == b.height)
        let la = luma(a)
        let lb = luma(b)
        let c1 = 6.5025  // (0.01 × 255)²
        let c2 = 58.5225  // (0.03 × 255)²
        var total = 0.0
        var windows = 0
        var y = 0
        while y + 8 <= a.height {
            var x = 0
            while x + 8 <= a.width {
                var sa = 0.0
                var sb = 0.0
                var saa = 0.0
                var sbb = 0.0
                var sab = 0.0
                for dy in 0..<8 {
                    for dx in 0..<8 {
                        let index = (y + dy) * a.width + x + dx
                        let va = la[index]
                        let vb = lb[index]
                        sa += va
                        sb += vb
                        saa += va * va
                        sbb += vb * vb
                        sab += va * vb
                    }
                }
                let n = 64.0
                let ma = sa / n
                let mb = sb / n
                let va = saa / n - ma * ma
                let vb = sbb / n - mb * mb
                let cov = sab / n - ma * mb
                total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
                windows += 1
                x += 4
            }
            y += 4
        }
        return windows == 0 ? 1 : total / Double(windows)
    }

    static func luma(_ image: PixelBuffer) -> [Double] {
        let count = image.width * image.height
        return (0..<count).map { i in
            let base = i * image.channels
            if image.channels < 3 { return Double(image.pixels[base]) }
            return 0.299 * Double(image.pixels[base]) + 0.587 * Double(image.pixels[base + 1]) + 0.114
                * Double(image.pixels[base + 2])
        }
    }

    static func meanLuma(_ image: PixelBuffer) -> Double {
        let values = luma(image)
        return values.reduce(0, +) / Double(values.count)
    }
}
