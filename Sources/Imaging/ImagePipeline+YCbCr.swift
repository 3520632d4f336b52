/// The JPEG-to-JPEG path of ``ImagePipeline``: YCbCr planes from the decoder straight to the encoder.
extension ImagePipeline {
    /// Display and thumbnail made from decoded planes (`storedTarget` is the display size before orientation).
    static func makePlanarDerivatives(
        _ decoded: JPEGCodec.DecodedPlanes, header: ImageHeader, storedTarget: (width: Int, height: Int),
        options: PipelineOptions, decodeTime: Duration
    ) throws(ImagingError) -> Derivatives {
        let clock = ContinuousClock()
        let started = clock.now
        // Resize first, then rotate: rotating the small planes is cheaper than rotating the decoded ones.
        let display = decoded.planes.resized(width: storedTarget.width, height: storedTarget.height)
            .applyingOrientation(header.orientation)
        let thumbnailSize = ImageGeometry.fit(width: display.width, height: display.height, inside: options.thumbnailSize)
        let thumbnail = display.resized(width: thumbnailSize.width, height: thumbnailSize.height)
        let resampledAt = clock.now

        let displayBytes = try JPEGCodec.encode(
            display, quality: min(max(options.displayQuality, 1), 100), iccProfile: decoded.iccProfile)
        let thumbnailBytes = try JPEGCodec.encode(
            thumbnail, quality: min(max(options.thumbnailQuality, 1), 100), iccProfile: decoded.iccProfile)
        return Derivatives(
            header: header,
            display: EncodedImage(format: .jpeg, width: display.width, height: display.height, bytes: displayBytes),
            thumbnail: EncodedImage(
                format: .jpeg, width: thumbnail.width, height: thumbnail.height, bytes: thumbnailBytes),
            timings: StageTimings(decode: decodeTime, resample: resampledAt - started, encode: clock.now - resampledAt))
    }
}
