import Database
import Storage

/// One tile of the gallery or the subject of a photo page, as the templates see it.
struct PhotoCard: Sendable {
    let id: Int64
    let name: String
    let status: String
    let isReady: Bool
    let isFailed: Bool
    let isPending: Bool
    let error: String?
    let thumbnailURL: String?
    let displayURL: String?
    let originalURL: String
    /// `srcset` candidates: the thumbnail for small tiles, the display image where a tile is shown large.
    let srcset: String?
    let thumbnailWidth: Int
    let thumbnailHeight: Int
    let displayWidth: Int
    let displayHeight: Int
    let width: Int
    let height: Int
    let sizeText: String
    let createdText: String
    let capturedText: String?

    init(_ photo: Photo, store: any MediaStore) {
        let urls = PhotoURLs(photo, store: store)
        id = photo.id
        name = photo.originalName
        status = photo.status.rawValue
        isReady = photo.status == .ready
        isFailed = photo.status == .failed
        isPending = photo.status == .queued || photo.status == .processing
        error = photo.error
        thumbnailURL = urls.thumbnail
        displayURL = urls.display
        originalURL = urls.original
        if let thumbnail = photo.thumbnail, let display = photo.display, let thumbnailURL = urls.thumbnail,
            let displayURL = urls.display
        {
            srcset = "\(thumbnailURL) \(thumbnail.width)w, \(displayURL) \(display.width)w"
        } else {
            srcset = nil
        }
        thumbnailWidth = photo.thumbnail?.width ?? 400
        thumbnailHeight = photo.thumbnail?.height ?? 400
        displayWidth = photo.display?.width ?? photo.width
        displayHeight = photo.display?.height ?? photo.height
        width = photo.width
        height = photo.height
        sizeText = Formatting.bytes(photo.bytes)
        createdText = Formatting.date(photo.createdAt)
        capturedText = photo.capturedAt.map(Formatting.captureDate)
    }
}

/// The gallery page.
struct GalleryPage: Sendable {
    let title = "Memories"
    let photos: [PhotoCard]
    let hasPhotos: Bool
    let nextURL: String?
    let isFirstPage: Bool
    let maxUploadText: String
    let pendingIDs: String
}

/// A photo's own page.
struct PhotoPage: Sendable {
    let title: String
    let photo: PhotoCard
    let pendingIDs: String
}

/// A readable error page.
struct ErrorPage: Sendable {
    let title: String
    let status: Int
    let message: String
}
