import CImageCodecs

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Separable Lanczos-3 resampling (vertical pass, then horizontal) with per-axis
/// weight tables built here and the convolution loops in CImageCodecs.
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

        /// `scale` is input samples per output sample, `inputSize / outputSize` unless the two grids cover
        /// slightly different extents (a chroma plane of an odd-sized image, which follows the luma's scale).
        /// `sharpening` a > 0 convolves the filter with [-a, 1 + 2a, -a] on the input grid (edges repeated), a
        /// mild unsharp mask folded into the weights at no cost per pixel (see ``ImagePipeline``'s use of it).
        init(inputSize: Int, outputSize: Int, scale: Double? = nil, sharpening: Double = 0) {
            precondition(inputSize > 0 && outputSize > 0)
            let scale = scale ?? Double(inputSize) / Double(outputSize)
            let filterScale = max(scale, 1)
            let support = 3 * filterScale
            let extra = sharpening > 0 ? 2 : 0
            // A multiple of 8, so that the one-channel horizontal pass reads whole vectors of weights.
            let taps = (Int((2 * support).rounded(.up)) + 2 + extra + 7) / 8 * 8
            var starts = [Int32](repeating: 0, count: outputSize)
            var counts = [Int32](repeating: 0, count: outputSize)
            var weights = [Float](repeating: 0, count: outputSize * taps)
            var scratch = [Double](repeating: 0, count: taps)
            var sharpened = [Double](repeating: 0, count: taps)
            // Taps are 1/filterScale apart in filter space, so sin(πx/3) advances by a fixed angle from one tap to
            // the next: a rotation by that angle replaces a sine per tap (one sine and cosine per output sample).
            let step = Double.pi / (3 * filterScale)
            let (stepSin, stepCos) = (sin(step), cos(step))
            for index in 0..<outputSize {
                let center = (Double(index) + 0.5) * scale
                var first = max(0, Int((center - support).rounded(.down)))
                var last = min(inputSize, Int((center + support).rounded(.up)), first + taps - extra)
                let x0 = (Double(first) + 0.5 - center) / filterScale
                var third = (sin: sin(Double.pi * x0 / 3), cos: cos(Double.pi * x0 / 3))
                var sum = 0.0
                for tap in first..<last {
                    let weight = Self.lanczos3((Double(tap) + 0.5 - center) / filterScale, sinThird: third.sin)
                    scratch[tap - first] = weight
                    sum += weight
                    third = (third.sin * stepCos + third.cos * stepSin, third.cos * stepCos - third.sin * stepSin)
                }
                // Edges are handled by renormalising the taps that fall inside the image.
                let norm = sum != 0 ? 1 / sum : 0
                for tap in 0..<(last - first) { scratch[tap] *= norm }
                if sharpening > 0 {
                    // [-a, 1 + 2a, -a] spread over the neighbours, edges repeated.
                    let sharpFirst = max(0, first - 1)
                    let sharpLast = min(inputSize, last + 1)
                    for tap in 0..<(sharpLast - sharpFirst) { sharpened[tap] = 0 }
                    for tap in first..<last {
                        let weight = scratch[tap - first]
                        sharpened[max(tap - 1, 0) - sharpFirst] -= sharpening * weight
                        sharpened[tap - sharpFirst] += (1 + 2 * sharpening) * weight
                        sharpened[min(tap + 1, inputSize - 1) - sharpFirst] -= sharpening * weight
                    }
                    (first, last) = (sharpFirst, sharpLast)
                    for tap in 0..<(last - first) { scratch[tap] = sharpened[tap] }
                }
                for tap in 0..<(last - first) {
                    weights[index * taps + tap] = Float(scratch[tap])
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

        /// Lends the table to C as a `cimg_axis_weights` for the duration of `body`.
        func withAxisWeights<Result>(_ body: (UnsafePointer<cimg_axis_weights>) -> Result) -> Result {
            starts.withUnsafeBufferPointer { starts in
                counts.withUnsafeBufferPointer { counts in
                    weights.withUnsafeBufferPointer { weights in
                        var table = cimg_axis_weights(
                            starts: starts.baseAddress, counts: counts.baseAddress, weights: weights.baseAddress,
                            taps: Int32(taps))
                        return body(&table)
                    }
                }
            }
        }

        /// Lanczos-3 at `x`, given sin(πx/3); sin(πx) follows by the triple-angle formula.
        @inline(__always)
        static func lanczos3(_ x: Double, sinThird third: Double) -> Double {
            let ax = abs(x)
            if ax < 1e-9 { return 1 }
            if ax >= 3 { return 0 }
            let px = Double.pi * x
            return 3 * (3 * third - 4 * third * third * third) * third / (px * px)
        }
    }

    /// Resizes to exactly `width` × `height`; alpha images must already be premultiplied.
    ///
    /// `scaleX` and `scaleY` (input samples per output sample) default to the ratio of the sizes; a chroma plane
    /// passes its luma plane's ratio so that both stay aligned.
    static func resize(
        _ image: PixelBuffer, width: Int, height: Int, scaleX: Double? = nil, scaleY: Double? = nil,
        sharpening: Double = 0
    ) -> PixelBuffer {
        precondition(width > 0 && height > 0)
        if width == image.width && height == image.height { return image }
        let vertical = AxisWeights(inputSize: image.height, outputSize: height, scale: scaleY, sharpening: sharpening)
        let horizontal = AxisWeights(inputSize: image.width, outputSize: width, scale: scaleX, sharpening: sharpening)
        return resize(image, vertical: vertical, horizontal: horizontal)
    }

    /// Resizes with prepared tables (built for this image's height and width), so that planes of the same size
    /// share them.
    static func resize(_ image: PixelBuffer, vertical: AxisWeights, horizontal: AxisWeights) -> PixelBuffer {
        image.withBorrowedPixels { resize($0, vertical: vertical, horizontal: horizontal) }
    }

    /// Resizes samples another library still owns (rows `stride` bytes apart) into a new buffer.
    static func resize(_ image: BorrowedPixels, vertical: AxisWeights, horizontal: AxisWeights) -> PixelBuffer {
        let width = horizontal.outputSize
        let height = vertical.outputSize
        let channels = image.channels
        var scratch = [Float](
            repeating: 0,
            count: cimg_resample_scratch_floats(
                Int32(image.width), Int32(width), Int32(channels), Int32(horizontal.taps)))
        let total = width * height * channels
        let result = [UInt8](unsafeUninitializedCapacity: total) { output, initialized in
            vertical.withAxisWeights { verticalWeights in
                horizontal.withAxisWeights { horizontalWeights in
                    cimg_resample(
                        image.base, image.stride, Int32(image.width), Int32(channels), output.baseAddress,
                        Int32(width), Int32(height), verticalWeights, horizontalWeights, &scratch)
                }
            }
            initialized = total
        }
        return PixelBuffer(width: width, height: height, channels: channels, pixels: result)
    }
}
