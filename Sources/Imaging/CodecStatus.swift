import CImageCodecs

/// Translation of CImageCodecs results into Swift values.
enum CodecStatus {
    /// Maps a C status to an ``ImagingError`` whose message is one sentence built around the codec's text.
    static func error(code: Int32, status: cimg_status, format: String) -> ImagingError {
        let detail = withUnsafeBytes(of: status.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        let reason = detail.isEmpty ? "" : " (\(detail))"
        switch UInt32(bitPattern: code) {
        case CIMG_ERR_TOO_MANY_PIXELS.rawValue:
            return ImagingError(.tooManyPixels, "The \(format) image has more pixels than allowed.")
        case CIMG_ERR_NO_MEMORY.rawValue:
            return ImagingError(.tooManyPixels, "The \(format) image is too large to decode in memory\(reason).")
        case CIMG_ERR_INVALID_ARGUMENT.rawValue:
            return ImagingError(.corrupt, "The \(format) data could not be processed\(reason).")
        default:
            return ImagingError(.corrupt, "The \(format) file is damaged or truncated\(reason).")
        }
    }

    /// Copies a malloc'd C image into a Swift-owned buffer (the caller frees the C memory).
    static func pixelBuffer(from raw: cimg_pixels) -> PixelBuffer {
        let count = Int(raw.width) * Int(raw.height) * Int(raw.channels)
        let pixels = [UInt8](UnsafeBufferPointer(start: raw.data, count: count))
        return PixelBuffer(width: Int(raw.width), height: Int(raw.height), channels: Int(raw.channels), pixels: pixels)
    }
}
