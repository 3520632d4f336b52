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

    public init(format: ImageFormat, width: Int, height: Int, orientation: Int = 1, captureDate: String? = nil) {
        self.format = format
        self.width = width
        self.height = height
        self.orientation = (1...8).contains(orientation) ? orientation : 1
        self.captureDate = captureDate
    }

    /// True for orientations 5...8, whose display swaps width and height.
    var swapsAxes: Bool { orientation >= 5 }

    /// Width as displayed, after the EXIF orientation.
    public var orientedWidth: Int { swapsAxes ? height : width }

    /// Height as displayed, after the EXIF orientation.
    public var orientedHeight: Int { swapsAxes ? width : height }

    public var pixelCount: Int { width * height }
}
