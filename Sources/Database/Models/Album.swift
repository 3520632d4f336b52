import Foundation

/// A named set of photos; each photo is in at most one album.
public struct Album: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var name: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, name: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// An album as the album list shows it: its photo count and its newest few photos.
public struct AlbumSummary: Sendable, Equatable {
    public var album: Album
    public var photoCount: Int
    /// Newest first, at most `AlbumSummary.previewCount`.
    public var previews: [Photo]

    public static let previewCount = 4

    public init(album: Album, photoCount: Int, previews: [Photo]) {
        self.album = album
        self.photoCount = photoCount
        self.previews = previews
    }
}

/// Which photos a page lists: those in no album (the main gallery), one album's, or every photo (the JSON API).
public enum PhotoScope: Sendable, Equatable {
    case unsorted
    case album(Int64)
    case all
}

/// A photo's neighbours in its scope: the next newer and the next older photo, for previous/next links.
public struct PhotoNeighbours: Sendable, Equatable {
    public var newer: Int64?
    public var older: Int64?

    public init(newer: Int64?, older: Int64?) {
        self.newer = newer
        self.older = older
    }
}
