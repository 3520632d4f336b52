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
    /// The least reduction the JPEG DCT scale leaves to the Lanczos resampler (see
    /// ``ImageGeometry/jpegScaleDenominator``). 1.25: a scaled IDCT's block edges show when the resampler barely
    /// reduces after it (a 2725-pixel photo decoded at 1/2 to 1363 for a 1280 display lost 0.02 SSIM), while at
    /// 1.5 and above they are smoothed away. 2 is libvips' choice: 0.0001 more display SSIM on the phone photos
    /// (the 12 MP ones are then decoded whole) for 25% more time (scripts/bench/thumbnails.sh --headroom-variant),
    /// since ImagePipeline sharpens the display slightly after a DCT-scaled decode.
    public var decodeHeadroom: Double = 1.25
    /// Also encode WebP twins of the display image and thumbnail (at the same qualities).
    public var makeWebP: Bool = true
    /// libheif's tile threads for a grid image (nil: its default, one per core; 0: the calling thread only, which
    /// the per-core benchmark uses).
    public var heifThreads: Int?

    public init(
        displaySize: Int = 1280,
        thumbnailSize: Int = 400,
        displayQuality: Int = 80,
        thumbnailQuality: Int = 75,
        maxPixels: Int = 100_000_000,
        decodeHeadroom: Double = 1.25,
        makeWebP: Bool = true,
        heifThreads: Int? = nil
    ) {
        self.makeWebP = makeWebP
        self.heifThreads = heifThreads
        self.displaySize = displaySize
        self.thumbnailSize = thumbnailSize
        self.displayQuality = displayQuality
        self.thumbnailQuality = thumbnailQuality
        self.maxPixels = maxPixels
        self.decodeHeadroom = max(1, decodeHeadroom)
    }
}
