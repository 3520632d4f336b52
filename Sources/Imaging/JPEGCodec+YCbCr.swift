import CImageCodecs

/// The planar face of the libjpeg-turbo shims: YCbCr planes in and out, no colour conversion.
extension JPEGCodec {
    /// Decodes a YCbCr JPEG at 1/`scaleDenominator` size to 4:2:0 planes; nil, before any pixel is decoded, when
    /// the file is gray, CMYK, YCCK, RGB or has a chroma layout the planar path does not handle.
    ///
    /// The header is read first for the planes' sizes, so the decoder writes straight into the planes' storage:
    /// no whole-image buffer in between, no copy.
    static func decodePlanes(
        _ data: [UInt8], scaleDenominator: Int, maxPixels: Int
    ) throws(ImagingError) -> DecodedPlanes? {
        var layout = cimg_ycc_layout()
        var status = cimg_status()
        let maxPixels = UInt64(max(0, maxPixels))
        let denominator = Int32(scaleDenominator)
        let probed = data.withUnsafeBufferPointer { buffer in
            cjpeg_ycc_layout(buffer.baseAddress, buffer.count, denominator, maxPixels, &layout, &status)
        }
        if probed == Int32(CIMG_ERR_NOT_PLANAR.rawValue) { return nil }
        guard probed == Int32(CIMG_OK.rawValue) else {
            throw CodecStatus.error(code: probed, status: status, format: "JPEG")
        }
        let width = Int(layout.width)
        let height = Int(layout.height)
        let chromaWidth = Int(layout.chroma_width)
        let chromaHeight = Int(layout.chroma_height)
        let lumaCount = width * height
        let chromaCount = chromaWidth * chromaHeight

        var code = Int32(CIMG_OK.rawValue)
        var icc: UnsafeMutablePointer<UInt8>?
        var iccLength = 0
        var cb: [UInt8] = []
        var cr: [UInt8] = []
        let luma = [UInt8](unsafeUninitializedCapacity: lumaCount) { lumaStorage, lumaInitialized in
            cb = [UInt8](unsafeUninitializedCapacity: chromaCount) { cbStorage, cbInitialized in
                cr = [UInt8](unsafeUninitializedCapacity: chromaCount) { crStorage, crInitialized in
                    code = data.withUnsafeBufferPointer { buffer in
                        cjpeg_decode_ycc(
                            buffer.baseAddress, buffer.count, denominator, maxPixels, &layout,
                            lumaStorage.baseAddress, cbStorage.baseAddress, crStorage.baseAddress, &icc, &iccLength,
                            &status)
                    }
                    // The C side wrote every sample or failed; a failed decode's planes are dropped below.
                    crInitialized = chromaCount
                }
                cbInitialized = chromaCount
            }
            lumaInitialized = lumaCount
        }
        defer { cimg_free(icc) }
        if code == Int32(CIMG_ERR_NOT_PLANAR.rawValue) { return nil }
        guard code == Int32(CIMG_OK.rawValue) else {
            throw CodecStatus.error(code: code, status: status, format: "JPEG")
        }
        let planes = YCbCrPlanes(
            luma: PixelBuffer(width: width, height: height, channels: 1, pixels: luma),
            cb: PixelBuffer(width: chromaWidth, height: chromaHeight, channels: 1, pixels: cb),
            cr: PixelBuffer(width: chromaWidth, height: chromaHeight, channels: 1, pixels: cr))
        return DecodedPlanes(
            planes: planes, iccProfile: icc.map { [UInt8](UnsafeBufferPointer(start: $0, count: iccLength)) })
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
