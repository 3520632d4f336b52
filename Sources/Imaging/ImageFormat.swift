/// The image file formats the pipeline reads and writes.
public enum ImageFormat: String, Sendable, Codable, Equatable {
    case jpeg
    case png

    /// File name extension without the dot, as used for stored derivatives.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        }
    }

    /// MIME type for HTTP responses.
    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        }
    }
}
