import Foundation

/// A photo's processing state, stored as stable snake_case text.
public enum PhotoStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case processing
    case ready
    case failed
}

/// A stored derivative (display image or thumbnail): its file extension, size in pixels and bytes.
public struct DerivativeInfo: Sendable, Equatable {
    public var fileExtension: String
    public var width: Int
    public var height: Int
    public var bytes: Int

    public init(fileExtension: String, width: Int, height: Int, bytes: Int) {
        self.fileExtension = fileExtension
        self.width = width
        self.height = height
        self.bytes = bytes
    }
}

/// One uploaded photo, as recorded in `photos`.
public struct Photo: Sendable, Equatable, Identifiable {
    public var id: Int64
    /// SHA-256 of the original, lowercase hex: the name of all its files.
    public var hash: String
    /// The name the uploader's file had; text only, never used as a path.
    public var originalName: String
    public var contentType: String
    public var bytes: Int
    /// Size as seen, after the EXIF orientation.
    public var width: Int
    public var height: Int
    public var orientation: Int?
    public var capturedAt: String?
    public var status: PhotoStatus
    public var error: String?
    public var display: DerivativeInfo?
    public var thumbnail: DerivativeInfo?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64, hash: String, originalName: String, contentType: String, bytes: Int, width: Int, height: Int,
        orientation: Int?, capturedAt: String?, status: PhotoStatus, error: String?, display: DerivativeInfo?,
        thumbnail: DerivativeInfo?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.hash = hash
        self.originalName = originalName
        self.contentType = contentType
        self.bytes = bytes
        self.width = width
        self.height = height
        self.orientation = orientation
        self.capturedAt = capturedAt
        self.status = status
        self.error = error
        self.display = display
        self.thumbnail = thumbnail
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The original's file extension, from its sniffed type.
    public var originalExtension: String { contentType == "image/png" ? "png" : "jpg" }
}

/// What an upload knows about a new photo before it has an id.
public struct NewPhoto: Sendable, Equatable {
    public var hash: String
    public var originalName: String
    public var contentType: String
    public var bytes: Int
    public var width: Int
    public var height: Int
    public var orientation: Int?
    public var capturedAt: String?

    public init(
        hash: String, originalName: String, contentType: String, bytes: Int, width: Int, height: Int,
        orientation: Int?, capturedAt: String?
    ) {
        self.hash = hash
        self.originalName = originalName
        self.contentType = contentType
        self.bytes = bytes
        self.width = width
        self.height = height
        self.orientation = orientation
        self.capturedAt = capturedAt
    }
}

/// The result of recording an upload: a new photo (with its job enqueued) or the one that already had those bytes.
public enum InsertOutcome: Sendable, Equatable {
    case created(Photo)
    case existing(Photo)

    public var photo: Photo {
        switch self {
        case .created(let photo), .existing(let photo): return photo
        }
    }

    public var isNew: Bool {
        if case .created = self { return true }
        return false
    }
}

extension Photo {
    /// The `photos` columns a repository selects to build a `Photo`; one list for every backend.
    static let selectedColumns = """
        id, hash, original_name, content_type, bytes, width, height, orientation, captured_at, status, error,
        display_ext, display_width, display_height, display_bytes,
        thumbnail_ext, thumbnail_width, thumbnail_height, thumbnail_bytes, created_at, updated_at
        """
}
