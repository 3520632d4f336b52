/// The probed header of an original plus its encoded display image and thumbnail, their WebP twins and the
/// thumbnail's ThumbHash.
public struct Derivatives: Sendable {
    public var header: ImageHeader
    public var display: EncodedImage
    public var thumbnail: EncodedImage
    /// WebP twins of `display` and `thumbnail` (nil when ``PipelineOptions/makeWebP`` is off).
    public var displayWebP: EncodedImage?
    public var thumbnailWebP: EncodedImage?
    /// The ThumbHash of the thumbnail (about 25 bytes), painted while the thumbnail loads.
    public var placeholder: [UInt8]?
    /// Time spent in each stage making these.
    public var timings: StageTimings

    public init(
        header: ImageHeader, display: EncodedImage, thumbnail: EncodedImage, displayWebP: EncodedImage? = nil,
        thumbnailWebP: EncodedImage? = nil, placeholder: [UInt8]? = nil, timings: StageTimings = StageTimings()
    ) {
        self.header = header
        self.display = display
        self.thumbnail = thumbnail
        self.displayWebP = displayWebP
        self.thumbnailWebP = thumbnailWebP
        self.placeholder = placeholder
        self.timings = timings
    }
}
