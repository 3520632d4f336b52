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
        let clock = ContinuousClock()
        let started = clock.now
        let scale = ImageGeometry.decodedScale(
            width: header.width, height: header.height, denominator: denominator, target: storedTarget)
        let sharpening =
            denominator > 1 && min(scale.x, scale.y) >= dctScaleSharpeningMinimumReduction ? dctScaleSharpening : 0
        // Resize first, then rotate: rotating the small planes is cheaper than rotating the decoded ones.
        let display = decoded.planes
            .resized(
                width: storedTarget.width, height: storedTarget.height, scaleX: scale.x, scaleY: scale.y,
                lumaSharpening: sharpening
            )
            .applyingOrientation(header.orientation)
        return try makeDerivatives(
            display: display, iccProfile: decoded.iccProfile, header: header, options: options,
            decodeTime: decodeTime, resampleStarted: started)
    }

    /// Display and thumbnail of a HEIF or AVIF through its 4:2:0 planes, when libheif gives them as JFIF's YCbCr;
    /// nil otherwise. The display planes are made straight from libheif's (transforms applied, so no orientation
    /// here; the decoded size can differ from the header's by a clap's rounding), so the process never holds more
    /// than the decoded planes and the display.
    static func makePlanarHEIFDerivatives(
        _ data: [UInt8], header: ImageHeader, options: PipelineOptions
    ) throws(ImagingError) -> Derivatives? {
        let clock = ContinuousClock()
        let started = clock.now
        let resized = try HEIFCodec.withDecodedPlanes(
            data, format: header.format, maxPixels: options.maxPixels, threads: options.heifThreads
        ) { planes in
            let decodedAt = clock.now
            let target = ImageGeometry.fit(
                width: planes.luma.width, height: planes.luma.height, inside: options.displaySize)
            let display = YCbCrPlanes.resizing(
                luma: planes.luma, cb: planes.cb, cr: planes.cr, width: target.width, height: target.height)
            return (display: display, iccProfile: planes.iccProfile, decodedAt: decodedAt)
        }
        guard let resized else { return nil }
        return try makeDerivatives(
            display: resized.display, iccProfile: resized.iccProfile, header: header, options: options,
            decodeTime: resized.decodedAt - started, resampleStarted: resized.decodedAt)
    }

    /// The thumbnail from the display planes, both encoded as JPEGs, and the twins.
    private static func makeDerivatives(
        display: YCbCrPlanes, iccProfile: [UInt8]?, header: ImageHeader, options: PipelineOptions,
        decodeTime: Duration, resampleStarted: ContinuousClock.Instant
    ) throws(ImagingError) -> Derivatives {
        let clock = ContinuousClock()
        let thumbnailSize = ImageGeometry.fit(
            width: display.width, height: display.height, inside: options.thumbnailSize)
        let thumbnail = display.resized(width: thumbnailSize.width, height: thumbnailSize.height)
        let resampledAt = clock.now

        let displayBytes = try JPEGCodec.encode(
            display, quality: min(max(options.displayQuality, 1), 100), iccProfile: iccProfile)
        let thumbnailBytes = try JPEGCodec.encode(
            thumbnail, quality: min(max(options.thumbnailQuality, 1), 100), iccProfile: iccProfile)
        var derivatives = Derivatives(
            header: header,
            display: EncodedImage(format: .jpeg, width: display.width, height: display.height, bytes: displayBytes),
            thumbnail: EncodedImage(
                format: .jpeg, width: thumbnail.width, height: thumbnail.height, bytes: thumbnailBytes))
        try addTwins(
            to: &derivatives, display: { display.rgb() }, thumbnail: thumbnail.rgb(), iccProfile: iccProfile,
            options: options)
        derivatives.timings = StageTimings(
            decode: decodeTime, resample: resampledAt - resampleStarted, encode: clock.now - resampledAt)
        return derivatives
    }
}
