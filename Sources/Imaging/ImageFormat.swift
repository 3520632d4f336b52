/// The image file formats the pipeline reads (all of them) and writes (JPEG, PNG, WebP).
public enum ImageFormat: String, Sendable, Codable, Equatable, CaseIterable {
    case jpeg
    case png
    /// HEIC/HEIF: the `ftyp` brands heic, heix, heim, heis, mif1, msf1.
    case heif
    /// AVIF: the `ftyp` brands avif, avis (an image sequence: its primary image, the first frame).
    case avif
    case webp

    /// File name extension without the dot, as used for stored files.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .heif: "heic"
        case .avif: "avif"
        case .webp: "webp"
        }
    }

    /// MIME type for HTTP responses.
    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .heif: "image/heic"
        case .avif: "image/avif"
        case .webp: "image/webp"
        }
    }

    /// The name people know the format by, for messages.
    public var displayName: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .heif: "HEIC"
        case .avif: "AVIF"
        case .webp: "WebP"
        }
    }

    /// "JPEG, PNG, HEIC, AVIF or WebP": what the upload form, errors and `app import` say they take.
    public static let acceptedList = "JPEG, PNG, HEIC, AVIF or WebP"

    /// The format stored under a file extension (`heic`, `jpg`, …), for keys and downloads.
    public init?(fileExtension: String) {
        switch fileExtension {
        case "jpg", "jpeg": self = .jpeg
        case "png": self = .png
        case "heic", "heif": self = .heif
        case "avif": self = .avif
        case "webp": self = .webp
        default: return nil
        }
    }

    /// The format of a sniffed content type, as stored with each photo.
    public init?(contentType: String) {
        guard let format = Self.allCases.first(where: { $0.contentType == contentType }) else { return nil }
        self = format
    }
}
