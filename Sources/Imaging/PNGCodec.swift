import CImageCodecs

/// Swift face of the libpng shims in CImageCodecs.
enum PNGCodec {
    /// A decoded PNG plus its iCCP profile when it describes the decoded colour space.
    struct Decoded: Sendable {
        var image: PixelBuffer
        var iccProfile: [UInt8]?
    }

    /// Decodes to 8-bit gray, gray+alpha, RGB or RGBA; alpha is kept even when fully opaque.
    static func decode(_ data: [UInt8], maxPixels: Int) throws(ImagingError) -> PixelBuffer {
        try decodeWithProfile(data, maxPixels: maxPixels).image
    }

    /// ``decode(_:maxPixels:)`` plus the iCCP profile (at most 64 KB, colour space matching the pixels).
    static func decodeWithProfile(_ data: [UInt8], maxPixels: Int) throws(ImagingError) -> Decoded {
        var raw = cimg_pixels()
        var status = cimg_status()
        let code = data.withUnsafeBufferPointer { buffer in
            cpng_decode(buffer.baseAddress, buffer.count, UInt64(max(0, maxPixels)), &raw, &status)
        }
        guard code == Int32(CIMG_OK.rawValue) else {
            throw CodecStatus.error(code: code, status: status, format: "PNG")
        }
        defer {
            cimg_free(raw.data)
            cimg_free(raw.icc)
        }
        let icc = raw.icc.map { [UInt8](UnsafeBufferPointer(start: $0, count: raw.icc_length)) }
        return Decoded(image: CodecStatus.pixelBuffer(from: raw), iccProfile: icc)
    }

    /// Encodes an 8-bit buffer (1-4 channels) as a non-interlaced PNG, with an iCCP chunk when a profile is given.
    static func encode(_ image: PixelBuffer, compressionLevel: Int = 6, iccProfile: [UInt8]? = nil) throws(ImagingError)
        -> [UInt8]
    {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var status = cimg_status()
        let code = image.pixels.withUnsafeBufferPointer { pixels in
            let icc = iccProfile ?? []
            return icc.withUnsafeBufferPointer { profile in
                cpng_encode(
                    pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                    Int32(compressionLevel), profile.count > 0 ? profile.baseAddress : nil, profile.count,
                    &output, &length, &status)
            }
        }
        guard code == Int32(CIMG_OK.rawValue), let output else {
            throw CodecStatus.error(code: code, status: status, format: "PNG")
        }
        defer { cimg_free(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: length))
    }
}
