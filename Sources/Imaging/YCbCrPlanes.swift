/// A YCbCr image as 4:2:0 planes, the way JPEGs store it: luma at full size, Cb and Cr at half of it on each
/// axis (rounded up). Resizing and orienting act on each plane, so a JPEG-to-JPEG derivative never converts to
/// RGB, and the chroma planes cost a quarter of the luma's work each.
struct YCbCrPlanes: Sendable, Equatable {
    var luma: PixelBuffer
    var cb: PixelBuffer
    var cr: PixelBuffer

    init(luma: PixelBuffer, cb: PixelBuffer, cr: PixelBuffer) {
        let chroma = Self.chromaSize(width: luma.width, height: luma.height)
        precondition(luma.channels == 1 && cb.channels == 1 && cr.channels == 1)
        precondition(cb.width == chroma.width && cb.height == chroma.height)
        precondition(cr.width == chroma.width && cr.height == chroma.height)
        self.luma = luma
        self.cb = cb
        self.cr = cr
    }

    var width: Int { luma.width }
    var height: Int { luma.height }

    /// The chroma plane size of a 4:2:0 image of `width` × `height` luma samples.
    static func chromaSize(width: Int, height: Int) -> (width: Int, height: Int) {
        ((width + 1) / 2, (height + 1) / 2)
    }

    /// Lanczos-resized to `width` × `height`. The chroma planes use the luma's scale rather than the ratio of
    /// their own (rounded-up) sizes, so that chroma sample i keeps covering luma samples 2i and 2i + 1.
    ///
    /// `scaleX` and `scaleY` (luma samples per output sample) default to the ratio of the sizes; a DCT-scaled
    /// decode passes the exact one, as its last row or column may be partly padding. `lumaSharpening` is passed to
    /// the luma's filter (``LanczosResampler/AxisWeights``).
    func resized(
        width: Int, height: Int, scaleX: Double? = nil, scaleY: Double? = nil, lumaSharpening: Double = 0
    ) -> YCbCrPlanes {
        if width == self.width && height == self.height { return self }
        return luma.withBorrowedPixels { luma in
            cb.withBorrowedPixels { cb in
                cr.withBorrowedPixels { cr in
                    Self.resizing(
                        luma: luma, cb: cb, cr: cr, width: width, height: height, scaleX: scaleX, scaleY: scaleY,
                        lumaSharpening: lumaSharpening)
                }
            }
        }
    }

    /// Planes another library owns (a decoder's, 4:2:0 laid out as ``chromaSize(width:height:)`` says) resized
    /// into new ones, as ``resized(width:height:scaleX:scaleY:lumaSharpening:)`` does, so that the whole-size
    /// planes are never copied. The same size is a copy.
    static func resizing(
        luma: BorrowedPixels, cb: BorrowedPixels, cr: BorrowedPixels, width: Int, height: Int,
        scaleX: Double? = nil, scaleY: Double? = nil, lumaSharpening: Double = 0
    ) -> YCbCrPlanes {
        if width == luma.width && height == luma.height {
            return YCbCrPlanes(luma: luma.copied(), cb: cb.copied(), cr: cr.copied())
        }
        let chroma = chromaSize(width: width, height: height)
        let scaleX = scaleX ?? Double(luma.width) / Double(width)
        let scaleY = scaleY ?? Double(luma.height) / Double(height)
        let vertical = LanczosResampler.AxisWeights(inputSize: cb.height, outputSize: chroma.height, scale: scaleY)
        let horizontal = LanczosResampler.AxisWeights(inputSize: cb.width, outputSize: chroma.width, scale: scaleX)
        return YCbCrPlanes(
            luma: LanczosResampler.resize(
                luma,
                vertical: LanczosResampler.AxisWeights(
                    inputSize: luma.height, outputSize: height, scale: scaleY, sharpening: lumaSharpening),
                horizontal: LanczosResampler.AxisWeights(
                    inputSize: luma.width, outputSize: width, scale: scaleX, sharpening: lumaSharpening)),
            cb: LanczosResampler.resize(cb, vertical: vertical, horizontal: horizontal),
            cr: LanczosResampler.resize(cr, vertical: vertical, horizontal: horizontal))
    }

    /// Every plane turned for EXIF `orientation` (1...8).
    func applyingOrientation(_ orientation: Int) -> YCbCrPlanes {
        guard (2...8).contains(orientation) else { return self }
        return YCbCrPlanes(
            luma: luma.applyingOrientation(orientation),
            cb: cb.applyingOrientation(orientation),
            cr: cr.applyingOrientation(orientation))
    }
}

/// Planes from the JPEG decoder with the ICC profile they came with.
struct DecodedPlanes: Sendable {
    var planes: YCbCrPlanes
    var iccProfile: [UInt8]?
}

extension YCbCrPlanes {
    /// The planes as RGB with JFIF's full-range BT.601 formulas, chroma replicated: for the WebP twin and the
    /// placeholder of the JPEG-to-JPEG path (the display is small, so this costs a few milliseconds).
    func rgb() -> PixelBuffer {
        let width = self.width
        let height = self.height
        let chromaWidth = cb.width
        var out = [UInt8](repeating: 0, count: width * height * 3)
        luma.pixels.withUnsafeBufferPointer { y in
            cb.pixels.withUnsafeBufferPointer { u in
                cr.pixels.withUnsafeBufferPointer { v in
                    out.withUnsafeMutableBufferPointer { rgb in
                        for row in 0..<height {
                            let chromaRow = (row / 2) * chromaWidth
                            for column in 0..<width {
                                let luma = Float(y[row * width + column])
                                let blue = Float(u[chromaRow + column / 2]) - 128
                                let red = Float(v[chromaRow + column / 2]) - 128
                                let base = (row * width + column) * 3
                                rgb[base] = Self.clamp(luma + 1.402 * red)
                                rgb[base + 1] = Self.clamp(luma - 0.344_136 * blue - 0.714_136 * red)
                                rgb[base + 2] = Self.clamp(luma + 1.772 * blue)
                            }
                        }
                    }
                }
            }
        }
        return PixelBuffer(width: width, height: height, channels: 3, pixels: out)
    }

    private static func clamp(_ value: Float) -> UInt8 { UInt8(max(0, min(255, value.rounded()))) }
}
