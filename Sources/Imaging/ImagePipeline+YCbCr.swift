/// The planar path of ``ImagePipeline``: YCbCr planes from the decoder (a JPEG's, or a HEIF's in JFIF's YCbCr)
/// straight to the encoder, never a whole-size RGB image.
extension ImagePipeline {
    /// Unsharp amount folded into the display's luma filter after a DCT-scaled decode.
    ///
    /// libjpeg's scaled IDCT softens the image compared with a full decode, and with a Lanczos reduction of 1.5 or
    /// more after it, [-0.05, 1.1, -0.05] on the decoded grid brings the display back towards a full decode
    /// resized by Lanczos: +0.001 luma SSIM on each 12 MP phone photo decoded at 1/2 (0.9572 → 0.9585 at worst,
    /// where a full decode gives 0.9590 for 70% more time). Below 1.5 the filter no longer hides the scaled IDCT's
    /// block edges and sharpening them costs 0.0001–0.0002, hence the threshold.
    static let dctScaleSharpening = 0.05
    static let dctScaleSharpeningMinimumReduction = 1.5

    /// Display and thumbnail of a JPEG decoded to planes at 1/`denominator` (`storedTarget` is the display size
    /// before orientation).
    static func makePlanarDerivatives(
        _ decoded: DecodedPlanes, header: ImageHeader, storedTarget: (width: Int, height: Int),
        denominator: Int, options: PipelineOptions, decodeTime: Duration
    ) throws(ImagingError) -> Derivatives {
        let scale = ImageGeometry.decodedScale(
            width: header.width, height: header.height, denominator: denominator, target: storedTarget)
        let sharpening =
            denominator > 1 && min(scale.x, scale.y) >= dctScaleSharpeningMinimumReduction ? dctScaleSharpening : 0
        return try makePlanarDerivatives(
            decoded, header: header, storedTarget: storedTarget, scale: scale, lumaSharpening: sharpening,
            options: options, decodeTime: decodeTime)
    }

    /// Display and thumbnail of a HEIF or AVIF decoded to full-size planes (libheif has applied its transforms; the
    /// decoded size can differ from the header's by a clap's rounding).
    static func makePlanarDerivatives(
        _ decoded: DecodedPlanes, header: ImageHeader, options: PipelineOptions, decodeTime: Duration
    ) throws(ImagingError) -> Derivatives {
        let planes = decoded.planes
        let target = ImageGeometry.fit(width: planes.width, height: planes.height, inside: options.displaySize)
        return try makePlanarDerivatives(
            decoded, header: header, storedTarget: target,
            scale: (Double(planes.width) / Double(target.width), Double(planes.height) / Double(target.height)),
            lumaSharpening: 0, options: options, decodeTime: decodeTime)
    }

    private static func makePlanarDerivatives(
        _ decoded: DecodedPlanes, header: ImageHeader, storedTarget: (width: Int, height: Int),
        scale: (x: Double, y: Double), lumaSharpening sharpening: Double, options: PipelineOptions,
        decodeTime: Duration
    ) throws(ImagingError) -> Derivatives {
        let clock = ContinuousClock()
        let started = clock.now
        // Resize first, then rotate: rotating the small planes is cheaper than rotating the decoded ones.
        let display = decoded.planes
            .resized(
                width: storedTarget.width, height: storedTarget.height, scaleX: scale.x, scaleY: scale.y,
                lumaSharpening: sharpening
            )
            .applyingOrientation(header.orientation)
        let thumbnailSize = ImageGeometry.fit(
            width: display.width, height: display.height, inside: options.thumbnailSize)
        let thumbnail = display.resized(width: thumbnailSize.width, height: thumbnailSize.height)
        let resampledAt = clock.now

        let displayBytes = try JPEGCodec.encode(
            display, quality: min(max(options.displayQuality, 1), 100), iccProfile: decoded.iccProfile)
        let thumbnailBytes = try JPEGCodec.encode(
            thumbnail, quality: min(max(options.thumbnailQuality, 1), 100), iccProfile: decoded.iccProfile)
        var derivatives = Derivatives(
            header: header,
            display: EncodedImage(format: .jpeg, width: display.width, height: display.height, bytes: displayBytes),
            thumbnail: EncodedImage(
                format: .jpeg, width: thumbnail.width, height: thumbnail.height, bytes: thumbnailBytes))
        try addTwins(
            to: &derivatives, display: display.rgb(), thumbnail: thumbnail.rgb(), iccProfile: decoded.iccProfile,
            options: options)
        derivatives.timings = StageTimings(
            decode: decodeTime, resample: resampledAt - started, encode: clock.now - resampledAt)
        return derivatives
    }
}
