import Foundation

/// A named view of photos: a photo is in any number of albums, and in the gallery whatever its albums.
public struct Album: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var name: String
    public var createdAt: Date
    public var updatedAt: Date
    /// The photo the album list shows first; nil shows the newest.
    public var coverPhotoID: Int64?

    public init(id: Int64, name: String, createdAt: Date, updatedAt: Date, coverPhotoID: Int64? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.coverPhotoID = coverPhotoID
    }
}

/// An album as the album list shows it: its photo count and its newest few photos.
public struct AlbumSummary: Sendable, Equatable {
    public var album: Album
    public var photoCount: Int
    /// The cover first when there is one, then the newest, at most `AlbumSummary.previewCount`.
    public var previews: [Photo]

    public static let previewCount = 4

    public init(album: Album, photoCount: Int, previews: [Photo]) {
        self.album = album
        self.photoCount = photoCount
        self.previews = previews
    }
}

/// Which photos a page lists: every photo (the gallery and timeline) or one album's.
public enum PhotoScope: Sendable, Equatable {
    case all
    case album(Int64)
}

/// Which part of a scope a page lists, newest first by (`taken_at`, `id`): photos older than the cursor photo,
/// within a time window. Pages never use OFFSET.
public struct PhotoPageQuery: Sendable, Equatable {
    /// The last photo of the previous page (exclusive); nil starts at the newest.
    public var after: Int64?
    /// Only photos taken before this time (exclusive), e.g. the end of a month.
    public var takenBefore: Date?
    /// Only photos taken at or after this time, e.g. the start of a month.
    public var takenFrom: Date?
    /// Only starred photos.
    public var favoritesOnly: Bool
    /// Only photos whose name, camera or album names match every word (none: no text search).
    public var search: SearchWords
    public var limit: Int

    public init(
        after: Int64? = nil, takenBefore: Date? = nil, takenFrom: Date? = nil, favoritesOnly: Bool = false,
        search: SearchWords = SearchWords(""), limit: Int
    ) {
        self.after = after
        self.takenBefore = takenBefore
        self.takenFrom = takenFrom
        self.favoritesOnly = favoritesOnly
        self.search = search
        self.limit = limit
    }
}

/// How many photos were taken in one month (UTC, as `taken_at` is), for the timeline's headers and scrubber.
public struct TimelineBucket: Sendable, Equatable {
    /// `2019-07`.
    public var month: String
    public var count: Int

    public init(month: String, count: Int) {
        self.month = month
        self.count = count
    }
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
