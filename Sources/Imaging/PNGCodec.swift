import CImageCodecs

/// Swift face of the libpng shims in CImageCodecs.
enum PNGCodec {
    /// Decodes to 8-bit gray, gray+alpha, RGB or RGBA; alpha is kept even when fully opaque.
    static func decode(_ data: [UInt8], maxPixels: Int) throws(ImagingError) -> PixelBuffer {
        var raw = cimg_pixels()
        var status = cimg_status()
        let code = data.withUnsafeBufferPointer { buffer in
            cpng_decode(buffer.baseAddress, buffer.count, UInt64(max(0, maxPixels)), &raw, &status)
        }
        guard code == Int32(CIMG_OK.rawValue) else {
            throw CodecStatus.error(code: code, status: status, format: "PNG")
        }
        defer { cimg_free(raw.data) }
        return CodecStatus.pixelBuffer(from: raw)
    }

    /// Encodes an 8-bit buffer (1-4 channels) as a non-interlaced PNG.
    static func encode(_ image: PixelBuffer, compressionLevel: Int = 6) throws(ImagingError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var status = cimg_status()
        let code = image.pixels.withUnsafeBufferPointer { pixels in
            cpng_encode(
                pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                Int32(compressionLevel), &output, &length, &status)
        }
        guard code == Int32(CIMG_OK.rawValue), let output else {
            throw CodecStatus.error(code: code, status: status, format: "PNG")
        }
        defer { cimg_free(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: length))
    }
}
