import CImageCodecs

extension JPEGCodec {
    /// Encodes CMYK samples stored inverted (255 = no ink, as Photoshop writes Adobe JPEGs) as a CMYK or YCCK JPEG
    /// with an optional ICC profile. Derivatives are never CMYK; tests use this to make press files.
    static func encodeCMYK(
        invertedSamples: [UInt8], width: Int, height: Int, quality: Int = 100, ycck: Bool = false,
        iccProfile: [UInt8]? = nil
    ) throws(ImagingError) -> [UInt8] {
        precondition(invertedSamples.count == width * height * 4, "four samples per pixel")
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var status = cimg_status()
        let code = invertedSamples.withUnsafeBufferPointer { samples in
            let icc = iccProfile ?? []
            return icc.withUnsafeBufferPointer { profile in
                cjpeg_encode_cmyk(
                    samples.baseAddress, Int32(width), Int32(height), Int32(quality), ycck ? 1 : 0,
                    profile.count > 0 ? profile.baseAddress : nil, profile.count, &output, &length, &status)
            }
        }
        guard code == Int32(CIMG_OK.rawValue), let output else {
            throw CodecStatus.error(code: code, status: status, format: "JPEG")
        }
        defer { cimg_free(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: length))
    }
}
