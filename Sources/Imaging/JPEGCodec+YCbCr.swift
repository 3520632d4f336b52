import CImageCodecs

/// The planar face of the libjpeg-turbo shims: YCbCr planes in and out, no colour conversion.
extension JPEGCodec {
    /// Decoded planes plus the ICC profile when it is an RGB one.
    struct DecodedPlanes: Sendable {
        var planes: YCbCrPlanes
        var iccProfile: [UInt8]?
    }

    /// Decodes a YCbCr JPEG at 1/`scaleDenominator` size to 4:2:0 planes; nil, before any pixel is decoded, when
    /// the file is gray, CMYK, YCCK, RGB or has a chroma layout the planar path does not handle.
    static func decodePlanes(
        _ data: [UInt8], scaleDenominator: Int, maxPixels: Int
    ) throws(ImagingError) -> DecodedPlanes? {
        var raw = cimg_ycc_planes()
        var status = cimg_status()
        let code = data.withUnsafeBufferPointer { buffer in
            cjpeg_decode_ycc(
                buffer.baseAddress, buffer.count, Int32(scaleDenominator), UInt64(max(0, maxPixels)), &raw, &status)
        }
        if code == Int32(CIMG_ERR_NOT_PLANAR.rawValue) { return nil }
        guard code == Int32(CIMG_OK.rawValue), let base = raw.data else {
            throw CodecStatus.error(code: code, status: status, format: "JPEG")
        }
        defer {
            cimg_free(raw.data)
            cimg_free(raw.icc)
        }
        let width = Int(raw.width), height = Int(raw.height)
        let chromaWidth = Int(raw.chroma_width), chromaHeight = Int(raw.chroma_height)
        let lumaCount = width * height, chromaCount = chromaWidth * chromaHeight
        func plane(at offset: Int, width: Int, height: Int) -> PixelBuffer {
            PixelBuffer(
                width: width, height: height, channels: 1,
                pixels: [UInt8](UnsafeBufferPointer(start: base + offset, count: width * height)))
        }
        let planes = YCbCrPlanes(
            luma: plane(at: 0, width: width, height: height),
            cb: plane(at: lumaCount, width: chromaWidth, height: chromaHeight),
            cr: plane(at: lumaCount + chromaCount, width: chromaWidth, height: chromaHeight))
        let icc = raw.icc.map { [UInt8](UnsafeBufferPointer(start: $0, count: raw.icc_length)) }
        return DecodedPlanes(planes: planes, iccProfile: icc)
    }

    /// Encodes 4:2:0 planes as an optimised JPEG (progressive unless a test asks for baseline).
    static func encode(
        _ planes: YCbCrPlanes, quality: Int, progressive: Bool = true, iccProfile: [UInt8]? = nil
    ) throws(ImagingError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var status = cimg_status()
        let icc = iccProfile ?? []
        let code = planes.luma.pixels.withUnsafeBufferPointer { luma in
            planes.cb.pixels.withUnsafeBufferPointer { cb in
                planes.cr.pixels.withUnsafeBufferPointer { cr in
                    icc.withUnsafeBufferPointer { profile in
                        cjpeg_encode_ycc(
                            luma.baseAddress, Int32(planes.width), Int32(planes.height), cb.baseAddress, cr.baseAddress,
                            Int32(quality), progressive ? 1 : 0, profile.count > 0 ? profile.baseAddress : nil,
                            profile.count, &output, &length, &status)
                    }
                }
            }
        }
        guard code == Int32(CIMG_OK.rawValue), let output else {
            throw CodecStatus.error(code: code, status: status, format: "JPEG")
        }
        defer { cimg_free(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: length))
    }
}
