#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CImageCodecs

/// Separable Lanczos-3 resampling (vertical pass, then horizontal) with per-axis weight tables built here
/// and the convolution loops in CImageCodecs.
///
/// Cost is linear in the output size times the filter width; the filter widens with the
/// reduction factor so that every input pixel contributes (no aliasing from skipped pixels).
enum LanczosResampler {
    /// The filter weights mapping one axis of `inputSize` samples to `outputSize` samples.
    struct AxisWeights {
        var outputSize: Int
        /// Maximum number of taps of any output sample; `weights` is padded to this stride.
        var taps: Int
        var starts: [Int32]
        var counts: [Int32]
        var weights: [Float]

        init(inputSize: Int, outputSize: Int) {
            precondition(inputSize > 0 && outputSize > 0)
            let scale = Double(inputSize) / Double(outputSize)
            let filterScale = max(scale, 1)
            let support = 3 * filterScale
            let taps = Int((2 * support).rounded(.up)) + 2
            var starts = [Int32](repeating: 0, count: outputSize)
            var counts = [Int32](repeating: 0, count: outputSize)
            var weights = [Float](repeating: 0, count: outputSize * taps)
            var scratch = [Double](repeating: 0, count: taps)
            for index in 0..<outputSize {
                let center = (Double(index) + 0.5) * scale
                let first = max(0, Int((center - support).rounded(.down)))
                let last = min(inputSize, Int((center + support).rounded(.up)), first + taps)
                var sum = 0.0
                for tap in first..<last {
                    let weight = Self.lanczos3((Double(tap) + 0.5 - center) / filterScale)
                    scratch[tap - first] = weight
                    sum += weight
                }
                // Edges are handled by renormalising the taps that fall inside the image.
                let norm = sum != 0 ? 1 / sum : 0
                for tap in 0..<(last - first) {
                    weights[index * taps + tap] = Float(scratch[tap] * norm)
                }
                starts[index] = Int32(first)
                counts[index] = Int32(last - first)
            }
            self.outputSize = outputSize
            self.taps = taps
            self.starts = starts
            self.counts = counts
            self.weights = weights
        }

        static func lanczos3(_ x: Double) -> Double {
            let ax = abs(x)
            if ax < 1e-9 { return 1 }
            if ax >= 3 { return 0 }
            let px = Double.pi * x
            return 3 * sin(px) * sin(px / 3) / (px * px)
        }
    }

    /// Resizes to exactly `width` × `height`; alpha images must already be premultiplied.
    static func resize(_ image: PixelBuffer, width: Int, height: Int) -> PixelBuffer {
        precondition(width > 0 && height > 0)
        if width == image.width && height == image.height { return image }
        let channels = image.channels
        let vertical = AxisWeights(inputSize: image.height, outputSize: height)
        let horizontal = AxisWeights(inputSize: image.width, outputSize: width)

        // Vertical pass into a float buffer (image.width × height) keeps full precision for the second pass.
        let rowLength = image.width * channels
        let intermediate = [Float](unsafeUninitializedCapacity: rowLength * height) { buffer, initialized in
            image.pixels.withUnsafeBufferPointer { source in
                cimg_resample_vertical(
                    source.baseAddress, rowLength, buffer.baseAddress, Int32(height),
                    vertical.starts, vertical.counts, vertical.weights, Int32(vertical.taps))
            }
            initialized = rowLength * height
        }
        let total = width * height * channels
        let result = [UInt8](unsafeUninitializedCapacity: total) { output, initialized in
            intermediate.withUnsafeBufferPointer { source in
                cimg_resample_horizontal(
                    source.baseAddress, Int32(image.width), output.baseAddress, Int32(width), Int32(height), Int32(channels),
                    horizontal.starts, horizontal.counts, horizontal.weights, Int32(horizontal.taps))
            }
            initialized = total
        }
        return PixelBuffer(width: width, height: height, channels: channels, pixels: result)
    }
}
