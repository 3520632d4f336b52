/// Turns an uploaded original into its display image and thumbnail.
public enum ImagePipeline {
    /// Decodes the file once and returns the display image and the thumbnail, both encoded.
    public static func makeDerivatives(fromFile path: String, options: PipelineOptions) throws(ImagingError)
        -> Derivatives
    {
        let data = try FileReader.readAll(path)
        return try makeDerivatives(from: data, options: options)
    }

    /// Same as ``makeDerivatives(fromFile:options:)`` for an in-memory file.
    static func makeDerivatives(from data: [UInt8], options: PipelineOptions) throws(ImagingError) -> Derivatives {
        let clock = ContinuousClock()
        let started = clock.now
        guard !data.isEmpty else {
            throw ImagingError(.unsupportedFormat, "The file is empty.")
        }
        let header: ImageHeader
        switch ImageProbe.probe(data, isComplete: true) {
        case .image(let probed):
            header = probed
        case .notAnImage, .needMoreData:
            throw ImagingError(.unsupportedFormat, "The file is not a \(ImageFormat.acceptedList) image.")
        case .malformed(let reason):
            throw ImagingError(.corrupt, reason)
        }
        guard header.pixelCount <= options.maxPixels else {
            throw ImagingError(
                .tooManyPixels,
                "The image has \(header.width)×\(header.height) pixels, more than the allowed \(options.maxPixels).")
        }

        let displaySize = ImageGeometry.fit(
            width: header.orientedWidth, height: header.orientedHeight, inside: options.displaySize)
        // The decoded buffer is still in stored orientation, so the target axes swap for 5...8.
        let storedTarget =
            header.swapsAxes
            ? (width: displaySize.height, height: displaySize.width)
            : displaySize

        var iccProfile: [UInt8]?
        var decoded: PixelBuffer
        var scale: (x: Double, y: Double)?
        switch header.format {
        case .jpeg:
            let denominator = ImageGeometry.jpegScaleDenominator(
                width: header.width, height: header.height,
                targetWidth: storedTarget.width, targetHeight: storedTarget.height, headroom: options.decodeHeadroom)
            if let planar = try JPEGCodec.decodePlanes(
                data, scaleDenominator: denominator, maxPixels: options.maxPixels)
            {
                return try makePlanarDerivatives(
                    planar, header: header, storedTarget: storedTarget, denominator: denominator, options: options,
                    decodeTime: clock.now - started)
            }
            let result = try JPEGCodec.decode(data, scaleDenominator: denominator, maxPixels: options.maxPixels)
            decoded = result.image
            iccProfile = result.iccProfile
            scale = ImageGeometry.decodedScale(
                width: header.width, height: header.height, denominator: denominator, target: storedTarget)
        case .png:
            let result = try PNGCodec.decodeWithProfile(data, maxPixels: options.maxPixels)
            decoded = result.image
            iccProfile = result.iccProfile
            if !decoded.hasTransparency { decoded = decoded.droppingAlpha() }
        case .heif, .avif:
            // libheif applies irot/imir/clap itself; the header's orientation is 1, so nothing turns it again.
            if let planar = try makePlanarHEIFDerivatives(data, header: header, options: options) {
                return planar
            }
            let result = try HEIFCodec.decode(
                data, format: header.format, maxPixels: options.maxPixels, threads: options.heifThreads)
            decoded = result.image
            iccProfile = result.iccProfile
            if !decoded.hasTransparency { decoded = decoded.droppingAlpha() }
        case .webp:
            let result = try WebPCodec.decode(data, maxPixels: options.maxPixels)
            decoded = result.image
            iccProfile = result.iccProfile
            if !decoded.hasTransparency { decoded = decoded.droppingAlpha() }
        }

        let decodedAt = clock.now
        let hasAlpha = decoded.hasAlphaChannel
        let source = hasAlpha ? decoded.premultiplied() : decoded
        // Resize first, then rotate: rotating the small image is cheaper than rotating the decoded one.
        // The decoded size can differ from the header's (a HEIF's clap rounding, an animation's canvas).
        let target =
            header.format == .jpeg
            ? storedTarget
            : ImageGeometry.fit(width: source.width, height: source.height, inside: options.displaySize)
        let display = LanczosResampler.resize(
            source, width: target.width, height: target.height, scaleX: scale?.x, scaleY: scale?.y
        )
        .applyingOrientation(header.orientation)
        let thumbnailSize = ImageGeometry.fit(
            width: display.width, height: display.height, inside: options.thumbnailSize)
        let thumbnail = LanczosResampler.resize(display, width: thumbnailSize.width, height: thumbnailSize.height)

        let resampledAt = clock.now
        let encodedDisplay = try encode(
            display, alpha: hasAlpha, quality: options.displayQuality, iccProfile: iccProfile)
        let encodedThumbnail = try encode(
            thumbnail, alpha: hasAlpha, quality: options.thumbnailQuality, iccProfile: iccProfile)
        var derivatives = Derivatives(header: header, display: encodedDisplay, thumbnail: encodedThumbnail)
        try addTwins(
            to: &derivatives, display: { hasAlpha ? display.unpremultiplied() : display },
            thumbnail: hasAlpha ? thumbnail.unpremultiplied() : thumbnail, iccProfile: iccProfile, options: options)
        derivatives.timings = StageTimings(
            decode: decodedAt - started, resample: resampledAt - decodedAt, encode: clock.now - resampledAt)
        return derivatives
    }

    /// Adds the WebP twins (when enabled) and the placeholder, from straight-alpha display and thumbnail buffers.
    /// `display` is made only when the twins are (the planar path converts its planes to RGB for it).
    static func addTwins(
        to derivatives: inout Derivatives, display makeDisplay: () -> PixelBuffer, thumbnail: PixelBuffer,
        iccProfile: [UInt8]?, options: PipelineOptions
    ) throws(ImagingError) {
        if options.makeWebP {
            let display = makeDisplay()
            derivatives.displayWebP = EncodedImage(
                format: .webp, width: display.width, height: display.height,
                bytes: try WebPCodec.encode(display, quality: options.displayQuality, iccProfile: iccProfile))
            derivatives.thumbnailWebP = EncodedImage(
                format: .webp, width: thumbnail.width, height: thumbnail.height,
                bytes: try WebPCodec.encode(thumbnail, quality: options.thumbnailQuality, iccProfile: iccProfile))
        }
        derivatives.placeholder = ThumbHash.encode(thumbnail: thumbnail)
    }

    /// PNG (straight alpha) when the image has real transparency, JPEG otherwise.
    private static func encode(
        _ image: PixelBuffer, alpha: Bool, quality: Int, iccProfile: [UInt8]?
    ) throws(ImagingError) -> EncodedImage {
        if alpha {
            let bytes = try PNGCodec.encode(image.unpremultiplied(), iccProfile: iccProfile)
            return EncodedImage(format: .png, width: image.width, height: image.height, bytes: bytes)
        }
        let bytes = try JPEGCodec.encode(image, quality: min(max(quality, 1), 100), iccProfile: iccProfile)
        return EncodedImage(format: .jpeg, width: image.width, height: image.height, bytes: bytes)
    }
}
