import Database
import Foundation
import Storage

/// A photo as the HTTP API shows it (DESIGN §5a); absent values are written as `null`, never left out.
struct PhotoJSON: Encodable, Sendable {
    let photo: Photo
    let urls: PhotoURLs
    /// The album ids shown: all of the photo's, or (through a share link) only the shared album's.
    let albumIDs: [Int64]
    /// The content hash; nil through a share link that may not download (hash-named media would give the original).
    let hash: String?

    init(_ photo: Photo, store: any MediaStore) {
        self.init(photo, urls: PhotoURLs(photo, store: store), albumIDs: photo.albumIDs, hash: photo.hash)
    }

    init(_ photo: Photo, urls: PhotoURLs, albumIDs: [Int64], hash: String?) {
        self.photo = photo
        self.urls = urls
        self.albumIDs = albumIDs
        self.hash = hash
    }

    enum CodingKeys: String, CodingKey {
        case id, hash, status, error, width, height, bytes, urls
        case originalName = "original_name"
        case contentType = "content_type"
        case capturedAt = "captured_at"
        case createdAt = "created_at"
        case albums
        case capturedOffset = "captured_offset"
        case camera, sizes
        case takenAt = "taken_at"
        case takenAtSource = "taken_at_source"
        case favorite
        case placeholder
        case trashedAt = "trashed_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(photo.id, forKey: .id)
        try container.encode(hash, forKey: .hash)
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
        // Additions to the DESIGN §5a contract; every earlier field keeps its meaning.
        try container.encode(albumIDs, forKey: .albums)
        try container.encode(photo.capturedOffset, forKey: .capturedOffset)
        try container.encode(CameraJSON(photo.camera), forKey: .camera)
        try container.encode(SizesJSON(photo), forKey: .sizes)
        try container.encode(Timestamp.iso8601(photo.takenAt), forKey: .takenAt)
        try container.encode(photo.takenAtSource.rawValue, forKey: .takenAtSource)
        try container.encode(photo.favorite, forKey: .favorite)
        // The thumbnail's ThumbHash in base64 (issue 21), null until the photo is ready.
        try container.encode(photo.status == .ready ? photo.extras.placeholder : nil, forKey: .placeholder)
        // When it went into the trash (issue 26); null for a live photo, the only kind any listing but /trash shows.
        try container.encode(photo.trashedAt.map(Timestamp.iso8601), forKey: .trashedAt)
    }
}

/// An optional written as `null` when absent, never left out (synthesized `Encodable` would omit it).
@propertyWrapper
struct Null<Value: Encodable & Sendable>: Encodable, Sendable {
    var wrappedValue: Value?

    // A property wrapper needs init(wrappedValue:) itself: the memberwise one does not make `@Null var x = y` work.
    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// `{"make": …, "model": …}` or null when EXIF named no camera.
struct CameraJSON: Encodable, Sendable {
    @Null var make: String?
    @Null var model: String?

    init?(_ camera: Camera) {
        guard camera.make != nil || camera.model != nil else { return nil }
        make = camera.make
        model = camera.model
    }
}

/// The derivatives' pixel sizes, for `srcset` widths: `{"display": {"width", "height"} or null, "thumbnail": …}`.
struct SizesJSON: Encodable, Sendable {
    @Null var display: Size?
    @Null var thumbnail: Size?

    struct Size: Encodable, Sendable {
        let width: Int
        let height: Int
    }

    init(_ photo: Photo) {
        let ready = photo.status == .ready
        display = ready ? photo.display.map { Size(width: $0.width, height: $0.height) } : nil
        thumbnail = ready ? photo.thumbnail.map { Size(width: $0.width, height: $0.height) } : nil
    }
}

/// An album in JSON: `{"id", "name", "cover", "photo_count", "created_at", "previews": [photo, …]}`.
struct AlbumJSON: Encodable, Sendable {
    let id: Int64
    let name: String
    let cover: Int64?
    let photoCount: Int?
    let createdAt: String
    let previews: [PhotoJSON]?

    enum CodingKeys: String, CodingKey {
        case id, name, cover, previews
        case photoCount = "photo_count"
        case createdAt = "created_at"
    }

    init(_ summary: AlbumSummary, store: any MediaStore) {
        id = summary.album.id
        name = summary.album.name
        cover = summary.album.coverPhotoID
        photoCount = summary.photoCount
        createdAt = Timestamp.iso8601(summary.album.createdAt)
        previews = summary.previews.map { PhotoJSON($0, store: store) }
    }

    init(_ album: Album) {
        id = album.id
        name = album.name
        cover = album.coverPhotoID
        photoCount = nil
        createdAt = Timestamp.iso8601(album.createdAt)
        previews = nil
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(cover, forKey: .cover)
        try container.encode(createdAt, forKey: .createdAt)
        if let photoCount { try container.encode(photoCount, forKey: .photoCount) }
        if let previews { try container.encode(previews, forKey: .previews) }
    }
}

/// Where a photo's files are fetched from; derivatives are null until the photo is ready, and the WebP twins also
/// for photos processed before they were made.
struct PhotoURLs: Encodable, Sendable {
    /// Nil through a share link that may not download.
    @Null var original: String?
    @Null var display: String?
    @Null var thumbnail: String?
    @Null var displayWebP: String?
    @Null var thumbnailWebP: String?

    enum CodingKeys: String, CodingKey {
        case original, display, thumbnail
        case displayWebP = "display_webp"
        case thumbnailWebP = "thumbnail_webp"
    }

    init(original: String?, display: String?, thumbnail: String?) {
        self.original = original
        self.display = display
        self.thumbnail = thumbnail
    }

    init(_ photo: Photo, store: any MediaStore) {
        original = store.url(for: MediaKey(kind: .original, hash: photo.hash, fileExtension: photo.originalExtension))
        if photo.status == .ready, let display = photo.display, let thumbnail = photo.thumbnail {
            self.display = store.url(
                for: MediaKey(kind: .display, hash: photo.hash, fileExtension: display.fileExtension))
            self.thumbnail = store.url(
                for: MediaKey(kind: .thumbnail, hash: photo.hash, fileExtension: thumbnail.fileExtension))
            if photo.extras.displayWebPBytes != nil {
                displayWebP = store.url(for: MediaKey(kind: .display, hash: photo.hash, fileExtension: "webp"))
            }
            if photo.extras.thumbnailWebPBytes != nil {
                thumbnailWebP = store.url(for: MediaKey(kind: .thumbnail, hash: photo.hash, fileExtension: "webp"))
            }
        } else {
            self.display = nil
            self.thumbnail = nil
        }
    }
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

/// `{"buckets": [{"month": "2019-07", "count": 123}, …]}`, newest month first.
struct TimelineJSON: Encodable, Sendable {
    let buckets: [Bucket]

    struct Bucket: Encodable, Sendable {
        let month: String
        let count: Int
    }

    init(_ buckets: [TimelineBucket]) {
        self.buckets = buckets.map { Bucket(month: $0.month, count: $0.count) }
    }
}

/// `{"error": code, "message": text}`.
struct ErrorJSON: Encodable, Sendable {
    let error: String
    let message: String
}
