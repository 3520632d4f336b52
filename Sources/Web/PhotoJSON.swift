import Database
import Foundation
import Storage

/// A photo as the HTTP API shows it (DESIGN §5a); absent values are written as `null`, never left out.
struct PhotoJSON: Encodable, Sendable {
    let photo: Photo
    let urls: PhotoURLs

    init(_ photo: Photo, store: any MediaStore) {
        self.photo = photo
        self.urls = PhotoURLs(photo, store: store)
    }

    enum CodingKeys: String, CodingKey {
        case id, hash, status, error, width, height, bytes, urls
        case originalName = "original_name"
        case contentType = "content_type"
        case capturedAt = "captured_at"
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(photo.id, forKey: .id)
        try container.encode(photo.hash, forKey: .hash)
        try container.encode(photo.status.rawValue, forKey: .status)
        try container.encode(photo.error, forKey: .error)
        try container.encode(photo.width, forKey: .width)
        try container.encode(photo.height, forKey: .height)
        try container.encode(photo.bytes, forKey: .bytes)
        try container.encode(photo.originalName, forKey: .originalName)
        try container.encode(photo.contentType, forKey: .contentType)
        try container.encode(photo.capturedAt, forKey: .capturedAt)
        try container.encode(Timestamp.iso8601(photo.createdAt), forKey: .createdAt)
        try container.encode(urls, forKey: .urls)
    }
}

/// Where a photo's three files are fetched from; derivatives are null until the photo is ready.
struct PhotoURLs: Encodable, Sendable {
    let original: String
    let display: String?
    let thumbnail: String?

    init(_ photo: Photo, store: any MediaStore) {
        original = store.url(for: MediaKey(kind: .original, hash: photo.hash, fileExtension: photo.originalExtension))
        if photo.status == .ready, let display = photo.display, let thumbnail = photo.thumbnail {
            self.display = store.url(for: MediaKey(kind: .display, hash: photo.hash, fileExtension: display.fileExtension))
            self.thumbnail = store.url(for: MediaKey(kind: .thumbnail, hash: photo.hash, fileExtension: thumbnail.fileExtension))
        } else {
            self.display = nil
            self.thumbnail = nil
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(original, forKey: .original)
        try container.encode(display, forKey: .display)
        try container.encode(thumbnail, forKey: .thumbnail)
    }

    enum CodingKeys: String, CodingKey { case original, display, thumbnail }
}

/// `{"photos": [...], "next": cursor}` for lists and upload answers.
struct PhotoListJSON: Encodable, Sendable {
    let photos: [PhotoJSON]
    let next: Int64?
    let includeNext: Bool

    enum CodingKeys: String, CodingKey { case photos, next }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(photos, forKey: .photos)
        if includeNext { try container.encode(next, forKey: .next) }
    }
}

/// `{"error": code, "message": text}`.
struct ErrorJSON: Encodable, Sendable {
    let error: String
    let message: String
}
