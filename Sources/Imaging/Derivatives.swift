/// The probed header of an original plus its encoded display image and thumbnail.
public struct Derivatives: Sendable {
    public var header: ImageHeader
    public var display: EncodedImage
    public var thumbnail: EncodedImage
    /// Time spent in each stage making these.
    public var timings: StageTimings

    public init(
        header: ImageHeader, display: EncodedImage, thumbnail: EncodedImage, timings: StageTimings = StageTimings()
    ) {
        self.header = header
        self.display = display
        self.thumbnail = thumbnail
        self.timings = timings
    }
}
