import CImageCodecs

/// Swift face of the libwebp shim in CImageCodecs.
enum WebPCodec {
    /// A decoded WebP plus its ICCP profile.
    struct Decoded: Sendable {
        var image: PixelBuffer
        var iccProfile: [UInt8]?
    }

    /// Decodes a still WebP, or an animation's first frame, to 8-bit RGB or RGBA.
    static func decode(_ data: [UInt8], maxPixels: Int) throws(ImagingError) -> Decoded {
        var raw = cimg_pixels()
        var status = cimg_status()
        let code = data.withUnsafeBufferPointer { buffer in
            cwebp_decode(buffer.baseAddress, buffer.count, UInt64(max(0, maxPixels)), &raw, &status)
        }
        guard code == Int32(CIMG_OK.rawValue) else {
            throw CodecStatus.error(code: code, status: status, format: "WebP")
        }
        defer {
            cimg_free(raw.data)
            cimg_free(raw.icc)
        }
        let icc = raw.icc.map { [UInt8](UnsafeBufferPointer(start: $0, count: raw.icc_length)) }
        return Decoded(image: CodecStatus.pixelBuffer(from: raw), iccProfile: icc)
    }

    /// Encodes an RGB or RGBA (straight alpha) buffer as lossy WebP at `quality`, or lossless; gray is expanded.
    static func encode(_ image: PixelBuffer, quality: Int, lossless: Bool = false, iccProfile: [UInt8]? = nil)
        throws(ImagingError) -> [UInt8]
    {
        let source: PixelBuffer
        switch image.channels {
        case 1, 2:
            let rgba = image.rgba()
            source =
                image.channels == 1
                ? PixelBuffer(width: image.width, height: image.height, channels: 4, pixels: rgba).droppingAlpha()
                : PixelBuffer(width: image.width, height: image.height, channels: 4, pixels: rgba)
        default:
            source = image
        }
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var status = cimg_status()
        let code = source.pixels.withUnsafeBufferPointer { pixels in
            (iccProfile ?? []).withUnsafeBufferPointer { icc in
                cwebp_encode(
                    pixels.baseAddress, Int32(source.width), Int32(source.height), Int32(source.channels),
                    Int32(min(max(quality, 0), 100)), lossless ? 1 : 0, icc.count > 0 ? icc.baseAddress : nil,
                    icc.count, &output, &length, &status)
            }
        }
        guard code == Int32(CIMG_OK.rawValue), let output else {
            throw CodecStatus.error(code: code, status: status, format: "WebP")
        }
        defer { cimg_free(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: length))
    }
}
