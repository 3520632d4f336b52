/// Sizes, qualities and limits for ``ImagePipeline``.
public struct PipelineOptions: Sendable, Equatable {
    /// The display image fits inside displaySize × displaySize.
    public var displaySize: Int = 1280
    /// The thumbnail fits inside thumbnailSize × thumbnailSize.
    public var thumbnailSize: Int = 400
    /// JPEG quality 1...100 of the display image.
    public var displayQuality: Int = 80
    /// JPEG quality 1...100 of the thumbnail.
    public var thumbnailQuality: Int = 75
    /// Files whose stored width × height exceeds this are rejected before decoding.
    public var maxPixels: Int = 100_000_000
    /// How much reduction the JPEG DCT scale leaves to the resampler: 1 decodes at the smallest scale still at
    /// least the display size (the default, see ``ImageGeometry/jpegScaleDenominator``); 2 keeps at least twice
    /// the display size, as libvips does. Exists so that the benchmark can measure both choices.
    public var decodeHeadroom: Int = 1

    public init(
        displaySize: Int = 1280,
        thumbnailSize: Int = 400,
        displayQuality: Int = 80,
        thumbnailQuality: Int = 75,
        maxPixels: Int = 100_000_000,
        decodeHeadroom: Int = 1
    ) {
        self.displaySize = displaySize
        self.thumbnailSize = thumbnailSize
        self.displayQuality = displayQuality
        self.thumbnailQuality = thumbnailQuality
        self.maxPixels = maxPixels
        self.decodeHeadroom = max(1, decodeHeadroom)
    }
}
