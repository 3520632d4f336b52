import CImageCodecs

/// Swift face of the libjpeg-turbo shims in CImageCodecs.
enum JPEGCodec {
    /// A decoded JPEG plus its ICC profile when it describes the decoded colour space.
    struct Decoded: Sendable {
        var image: PixelBuffer
        var iccProfile: [UInt8]?
    }

    /// Decodes at 1/`scaleDenominator` size (1, 2, 4 or 8) to gray or RGB.
    static func decode(_ data: [UInt8], scaleDenominator: Int, maxPixels: Int) throws(ImagingError) -> Decoded {
        var raw = cimg_pixels()
        var status = cimg_status()
        let code = data.withUnsafeBufferPointer { buffer in
            cjpeg_decode_scaled(
                buffer.baseAddress, buffer.count, Int32(scaleDenominator), UInt64(max(0, maxPixels)), &raw, &status)
        }
        guard code == Int32(CIMG_OK.rawValue) else {
            throw CodecStatus.error(code: code, status: status, format: "JPEG")
        }
        defer {
            cimg_free(raw.data)
            cimg_free(raw.icc)
        }
        let image = CodecStatus.pixelBuffer(from: raw)
        let icc = raw.icc.map { [UInt8](UnsafeBufferPointer(start: $0, count: raw.icc_length)) }
        return Decoded(image: image, iccProfile: icc)
    }

    /// Encodes a gray or RGB buffer as an optimised JPEG (4:2:0 for colour); baseline output exists for tests.
    /// `lumaSampling` sets the luma's sampling factors (chroma 1×1); tests use it to make 4:4:4, 4:2:2 and 4:4:0.
    static func encode(
        _ image: PixelBuffer, quality: Int, progressive: Bool = true, iccProfile: [UInt8]? = nil,
        lumaSampling: (horizontal: Int, vertical: Int) = (2, 2)
    ) throws(ImagingError) -> [UInt8] {
        precondition(image.channels == 1 || image.channels == 3, "JPEG derivatives are gray or RGB")
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var status = cimg_status()
        let code = image.pixels.withUnsafeBufferPointer { pixels in
            let icc = iccProfile ?? []
            return icc.withUnsafeBufferPointer { profile in
                cjpeg_encode_sampled(
                    pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                    Int32(quality), progressive ? 1 : 0, profile.count > 0 ? profile.baseAddress : nil, profile.count,
                    Int32(lumaSampling.horizontal), Int32(lumaSampling.vertical), &output, &length, &status)
            }
        }
        guard code == Int32(CIMG_OK.rawValue), let output else {
            throw CodecStatus.error(code: code, status: status, format: "JPEG")
        }
        defer { cimg_free(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: length))
    }
}
