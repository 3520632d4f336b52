import CImageCodecs

/// Swift face of the libheif shim in CImageCodecs: HEIC/HEIF and AVIF primary images.
enum HEIFCodec {
    /// A decoded primary image, its ICC profile when it has one, and how its colour was handled.
    struct Decoded: Sendable {
        var image: PixelBuffer
        var iccProfile: [UInt8]?
        var bitDepth: Int
        /// True when nclx primaries or an HDR transfer were converted to sRGB.
        var convertedToSRGB: Bool
    }

    /// Decodes the primary image with its transforms applied, as 8-bit RGB or RGBA (see `cheif_decode`).
    /// `threads` limits libheif's tile threads (nil: its default).
    static func decode(_ data: [UInt8], format: ImageFormat, maxPixels: Int, threads: Int? = nil) throws(ImagingError)
        -> Decoded
    {
        var raw = cimg_pixels()
        var details = cimg_heif_details()
        var status = cimg_status()
        let code = data.withUnsafeBufferPointer { buffer in
            cheif_decode(
                buffer.baseAddress, buffer.count, UInt64(max(0, maxPixels)), Int32(threads ?? -1), &raw, &details,
                &status)
        }
        guard code == Int32(CIMG_OK.rawValue) else {
            throw CodecStatus.error(code: code, status: status, format: format.displayName)
        }
        defer {
            cimg_free(raw.data)
            cimg_free(raw.icc)
        }
        let icc = raw.icc.map { [UInt8](UnsafeBufferPointer(start: $0, count: raw.icc_length)) }
        return Decoded(
            image: CodecStatus.pixelBuffer(from: raw), iccProfile: icc, bitDepth: Int(details.bit_depth),
            convertedToSRGB: details.converted != 0)
    }

    /// The planes of a primary image decoded (transforms applied) to 4:2:0, still in libheif's memory, and the ICC
    /// profile.
    struct BorrowedPlanes {
        var luma: BorrowedPixels
        var cb: BorrowedPixels
        var cr: BorrowedPixels
        var iccProfile: [UInt8]?
    }

    /// Decodes the primary image to 4:2:0 planes and lends them to `body`, which makes what it needs of them
    /// (the display-size planes) before libheif's image is released: no whole-size copy, no RGB image. Nil, with
    /// `body` not called, when the image is not 8-bit, opaque, full-range BT.601 YCbCr needing no colour
    /// conversion, or libheif cannot give it as 4:2:0; then ``decode(_:format:maxPixels:threads:)`` is the way,
    /// and reports any damage.
    static func withDecodedPlanes<T>(
        _ data: [UInt8], format: ImageFormat, maxPixels: Int, threads: Int? = nil,
        _ body: (BorrowedPlanes) throws(ImagingError) -> T
    ) throws(ImagingError) -> T? {
        var ycc = cheif_ycc()
        var details = cimg_heif_details()
        var status = cimg_status()
        let code = data.withUnsafeBufferPointer { buffer in
            cheif_decode_ycc(
                buffer.baseAddress, buffer.count, UInt64(max(0, maxPixels)), Int32(threads ?? -1), &ycc, &details,
                &status)
        }
        defer { cheif_ycc_release(&ycc) }
        if code == Int32(CIMG_ERR_NOT_PLANAR.rawValue) { return nil }
        guard code == Int32(CIMG_OK.rawValue), let y = ycc.y, let cb = ycc.cb, let cr = ycc.cr else {
            throw CodecStatus.error(code: code, status: status, format: format.displayName)
        }
        let chromaWidth = Int(ycc.chroma_width)
        let chromaHeight = Int(ycc.chroma_height)
        return try body(
            BorrowedPlanes(
                luma: BorrowedPixels(
                    base: y, width: Int(ycc.width), height: Int(ycc.height), channels: 1, stride: Int(ycc.y_stride)),
                cb: BorrowedPixels(
                    base: cb, width: chromaWidth, height: chromaHeight, channels: 1, stride: Int(ycc.cb_stride)),
                cr: BorrowedPixels(
                    base: cr, width: chromaWidth, height: chromaHeight, channels: 1, stride: Int(ycc.cr_stride)),
                iccProfile: ycc.icc.map { [UInt8](UnsafeBufferPointer(start: $0, count: ycc.icc_length)) }))
    }

    /// What ``encode(_:avif:quality:orientation:bits:transfer:primaries:exif:iccProfile:)`` writes as nclx: H.273
    /// code points, 0 for none.
    struct Colour: Sendable {
        var transfer: Int = 0
        var primaries: Int = 0
    }

    /// Encodes an RGB(A) image as HEIC or AVIF, for tests: `orientation` (EXIF numbering) is written as irot/imir,
    /// `exif` as an Exif item. With `bits` above 8, `samples16` holds the little-endian 16-bit samples instead.
    static func encode(
        _ image: PixelBuffer, avif: Bool, quality: Int = 90, orientation: Int = 1, bits: Int = 8,
        samples16: [UInt16]? = nil, colour: Colour = Colour(), exif: [UInt8]? = nil, iccProfile: [UInt8]? = nil
    ) throws(ImagingError) -> [UInt8] {
        precondition(image.channels == 3 || image.channels == 4)
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var status = cimg_status()
        let samples: [UInt8] =
            samples16.map { words in words.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } } ?? image.pixels
        let code = samples.withUnsafeBufferPointer { pixels in
            (exif ?? []).withUnsafeBufferPointer { exifBytes in
                (iccProfile ?? []).withUnsafeBufferPointer { icc in
                    cheif_encode(
                        pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                        Int32(bits), avif ? 1 : 0, Int32(quality), Int32(orientation), Int32(colour.transfer),
                        Int32(colour.primaries), exifBytes.count > 0 ? exifBytes.baseAddress : nil, exifBytes.count,
                        icc.count > 0 ? icc.baseAddress : nil, icc.count, &output, &length, &status)
                }
            }
        }
        guard code == Int32(CIMG_OK.rawValue), let output else {
            throw CodecStatus.error(code: code, status: status, format: avif ? "AVIF" : "HEIC")
        }
        defer { cimg_free(output) }
        return [UInt8](UnsafeBufferPointer(start: output, count: length))
    }
}
