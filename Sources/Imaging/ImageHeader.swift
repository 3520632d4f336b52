/// What the probe learns from a file's first bytes: format, stored size, EXIF orientation and capture date.
public struct ImageHeader: Sendable, Equatable {
    public var format: ImageFormat
    /// Width as stored in the file, before the EXIF orientation is applied.
    public var width: Int
    /// Height as stored in the file, before the EXIF orientation is applied.
    public var height: Int
    /// EXIF orientation 1...8; 1 when absent or invalid.
    public var orientation: Int
    /// EXIF DateTimeOriginal (or DateTime) as "YYYY-MM-DDTHH:MM:SS"; nil when absent or unparseable.
    public var captureDate: String?
    /// EXIF OffsetTimeOriginal (`+02:00`) belonging to `captureDate`; nil when absent.
    public var captureOffset: String?
    /// EXIF Make and Model, trimmed; nil when absent.
    public var cameraMake: String?
    public var cameraModel: String?

    public init(
        format: ImageFormat, width: Int, height: Int, orientation: Int = 1, captureDate: String? = nil,
        captureOffset: String? = nil, cameraMake: String? = nil, cameraModel: String? = nil
    ) {
        self.format = format
        self.width = width
        self.height = height
        self.orientation = (1...8).contains(orientation) ? orientation : 1
        self.captureDate = captureDate
        self.captureOffset = captureOffset
        self.cameraMake = cameraMake
        self.cameraModel = cameraModel
    }

    /// True for orientations 5...8, whose display swaps width and height.
    var swapsAxes: Bool { orientation >= 5 }

    /// Width as displayed, after the EXIF orientation.
    public var orientedWidth: Int { swapsAxes ? height : width }

    /// Height as displayed, after the EXIF orientation.
    public var orientedHeight: Int { swapsAxes ? width : height }

    public var pixelCount: Int { width * height }
}
