import Database
import Foundation
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
    /// Nil through a share link that may not download.
    let originalURL: String?
    /// `srcset` candidates: the thumbnail for small tiles, the display image where a tile is shown large.
    let srcset: String?
    /// The same candidates as WebP, for the `<picture>` source; nil when the photo has no WebP twins.
    let webpSrcset: String?
    /// The display image and the thumbnail as WebP, for `<picture>` sources.
    let displayWebPURL: String?
    let thumbnailWebPURL: String?
    /// The thumbnail's ThumbHash (base64), painted by app.js until the thumbnail loads.
    let placeholder: String?
    let thumbnailWidth: Int
    let thumbnailHeight: Int
    let displayWidth: Int
    let displayHeight: Int
    let width: Int
    let height: Int
    let sizeText: String
    /// The upload time in UTC, and as ISO 8601 for the page's script to show in the viewer's time zone.
    let createdText: String
    let createdISO: String
    let capturedText: String?
    let cameraText: String?
    /// The timeline month, `2019-07`, and its title (`July 2019`) when the card starts that month in its grid.
    let monthKey: String
    var monthHeading: String? = nil
    let isFavorite: Bool
    /// The photo's page; from an album, in that album (its previous/next walk the album).
    var href: String
    /// The image's shape for the justified grid: width over height, from the photo itself.
    let aspectRatio: String
    let isLandscape: Bool

    init(_ photo: Photo, store: any MediaStore) {
        self.init(photo, urls: PhotoURLs(photo, store: store))
    }

    /// A card whose images come from `urls` (a share link's, which may hide the original).
    init(_ photo: Photo, urls: PhotoURLs) {
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
        if let thumbnail = photo.thumbnail, let display = photo.display, let thumbnailWebP = urls.thumbnailWebP,
            let displayWebP = urls.displayWebP
        {
            webpSrcset = "\(thumbnailWebP) \(thumbnail.width)w, \(displayWebP) \(display.width)w"
        } else {
            webpSrcset = nil
        }
        displayWebPURL = urls.displayWebP
        thumbnailWebPURL = urls.thumbnailWebP
        placeholder = isReady ? photo.extras.placeholder : nil
        thumbnailWidth = photo.thumbnail?.width ?? 400
        thumbnailHeight = photo.thumbnail?.height ?? 400
        displayWidth = photo.display?.width ?? photo.width
        displayHeight = photo.display?.height ?? photo.height
        width = photo.width
        height = photo.height
        sizeText = Formatting.bytes(photo.bytes)
        createdText = Formatting.date(photo.createdAt)
        createdISO = Timestamp.iso8601(photo.createdAt)
        capturedText = photo.capturedAt.map { Formatting.captureDate($0, offset: photo.capturedOffset) }
        cameraText = photo.camera.displayName
        monthKey = Formatting.monthKey(photo.takenAt)
        isFavorite = photo.favorite
        href = "/photos/\(photo.id)"
        aspectRatio = "\(max(photo.width, 1)) / \(max(photo.height, 1))"
        isLandscape = photo.width >= photo.height
    }
}

/// What every page's layout needs: the CSRF token for forms and scripts, which section is current, and who is
/// signed in. Stored flags rather than computed ones: Mustache sees only stored properties.
struct PageChrome: Sendable {
    let csrfToken: String
    let isPhotos: Bool
    let isAlbums: Bool
    let isTrash: Bool
    let isSettings: Bool
    let isAccounts: Bool
    /// Offer the accounts page: the signed-in user is an admin.
    let isAdmin: Bool
    let isSearch: Bool
    /// The signed-in user's name (shown as text, escaped like every value). Named so that no page model has a
    /// field of the same name: Mustache looks a missing (nil) value up in the enclosing contexts.
    let signedInAs: String?
    /// Offer the sign-in link: sign-in exists here and nobody is signed in.
    let offersSignIn: Bool
    /// Show the upload, edit and delete forms.
    let canChange: Bool

    enum Section: Sendable { case photos, albums, search, trash, settings, accounts, other }

    init(
        csrfToken: String, section: Section, signedInAs: String? = nil, offersSignIn: Bool = false,
        canChange: Bool = true, isAdmin: Bool = false
    ) {
        self.csrfToken = csrfToken
        isPhotos = section == .photos
        isAlbums = section == .albums
        isTrash = section == .trash
        isSettings = section == .settings
        isAccounts = section == .accounts
        self.isAdmin = isAdmin
        isSearch = section == .search
        self.signedInAs = signedInAs
        self.offersSignIn = offersSignIn
        self.canChange = canChange
    }

    /// The login page's chrome: no "Sign in" link on the page that is the sign-in.
    static func signIn(_ context: WebRequestContext) -> PageChrome {
        PageChrome(
            csrfToken: context.csrfToken, section: .other, signedInAs: context.user?.username, offersSignIn: false,
            canChange: context.canChange)
    }

    init(_ context: WebRequestContext, section: Section) {
        self.init(
            csrfToken: context.csrfToken, section: section, signedInAs: context.user?.username,
            offersSignIn: context.authRequired && context.user == nil, canChange: context.canChange,
            isAdmin: context.user?.isAdmin == true)
    }
}

/// An album as a choice in a form.
struct AlbumOption: Sendable {
    let id: Int64
    let name: String
    let isSelected: Bool
}

/// A grid of photos with its "load more" cursor: the gallery or an album page, with a heading per month.
struct PhotoGrid: Sendable {
    let photos: [PhotoCard]
    let hasPhotos: Bool
    /// The next page as a link (works without JavaScript) and as the JSON the script fetches.
    let nextURL: String?
    let nextJSONURL: String?
    let pendingIDs: String
    /// Empty (the whole timeline) or `album=ID`: the scope the script keeps when it loads more.
    let scopeQuery: String

    /// Gives the first card of every month its heading; the page's first card always has one.
    static func headed(_ cards: [PhotoCard]) -> [PhotoCard] {
        var previous: String?
        return cards.map { card in
            var card = card
            if card.monthKey != previous { card.monthHeading = Formatting.monthTitle(card.monthKey) }
            previous = card.monthKey
            return card
        }
    }
}

extension PhotoGrid {
    /// A page of `cards` (headed by month here) with the links to the next page after `next`: `pagePath?after=`
    /// for the plain link, `jsonURL` plus the cursor for the script.
    init(cards: [PhotoCard], next: Int64?, pagePath: String, jsonURL: String, limit: Int, scopeQuery: String) {
        photos = Self.headed(cards)
        hasPhotos = !cards.isEmpty
        nextURL = next.map { "\(pagePath)\(pagePath.contains("?") ? "&" : "?")after=\($0)" }
        let separator = jsonURL.contains("?") ? "&" : "?"
        nextJSONURL = next.map { "\(jsonURL)\(separator)after=\($0)&limit=\(limit)" }
        pendingIDs = cards.filter(\.isPending).map { String($0.id) }.joined(separator: ",")
        self.scopeQuery = scopeQuery
    }
}

/// A year of the scrubber beside the gallery: a link to its newest month.
struct ScrubberYear: Sendable {
    let year: String
    let url: String
    let countText: String

    /// One entry per year in the buckets (newest month first), linking to the newest month of each.
    static func years(_ buckets: [TimelineBucket]) -> [ScrubberYear] {
        var years: [ScrubberYear] = []
        var counts: [String: Int] = [:]
        for bucket in buckets { counts[String(bucket.month.prefix(4)), default: 0] += bucket.count }
        for bucket in buckets where years.last?.year != String(bucket.month.prefix(4)) {
            let year = String(bucket.month.prefix(4))
            let count = counts[year] ?? 0
            years.append(
                ScrubberYear(
                    year: year, url: "/?from=\(bucket.month)", countText: count == 1 ? "1 photo" : "\(count) photos"))
        }
        return years
    }
}

/// What the cached year scrubber is rendered from.
struct ScrubberFragment: Sendable {
    let years: [ScrubberYear]
    /// Stored, as Mustache sees only stored properties: there are at least two years to jump between.
    let hasYears: Bool

    init(years: [ScrubberYear]) {
        self.years = years
        hasYears = years.count > 1
    }
}

/// The upload form: the main gallery's (with an album choice) or an album page's (into that album).
struct UploadFormModel: Sendable {
    let maxUploadText: String
    /// The `<option>`s of the album choice, rendered from `albumoptions` (the same for every visitor, so cached
    /// like the grid); empty when there are no albums.
    let albumOptionsHTML: String
    var hasAlbums: Bool { !albumOptionsHTML.isEmpty }
    /// The album every upload goes into (an album page), or nil to let the form choose.
    let fixedAlbumID: Int64?
    /// Files from this size up go as resumable uploads (`TUS_THRESHOLD`); nil when `/uploads` is off.
    var tusThreshold: Int? = nil
}

/// The gallery page.
struct GalleryPage: Sendable {
    let title = "Memories"
    let chrome: PageChrome
    /// The grid and its empty-state text, rendered from `gallerygrid` (the same for every visitor, so cached).
    let gridHTML: String
    /// The year links, rendered from `scrubber` (cached like the grid); empty with fewer than two years.
    let scrubberHTML: String
    /// The grid holds only the favourites (`/?favorite=true`).
    let showsFavorites: Bool
    let upload: UploadFormModel
}

/// What the cached album choices of the upload form are rendered from.
struct AlbumOptionsFragment: Sendable {
    let albums: [AlbumOption]
}

/// What the cached gallery grid fragment is rendered from.
struct GalleryGridFragment: Sendable {
    let grid: PhotoGrid
    let isFirstPage: Bool
    var showsFavorites = false
}

/// An album's page.
struct AlbumPage: Sendable {
    let title: String
    let chrome: PageChrome
    let album: AlbumCard
    /// The grid, rendered from `albumgrid` (the same for every visitor, so cached like the gallery's).
    let gridHTML: String
    let upload: UploadFormModel
    let isFirstPage: Bool
    /// The "Share…" control; nil when share links are off.
    var share: ShareFormModel? = nil
}

/// An album in the album list: four previews and a count.
struct AlbumCard: Sendable {
    let id: Int64
    let name: String
    let countText: String
    let previews: [PhotoCard]
    let emptySlots: [Int]

    init(_ summary: AlbumSummary, store: any MediaStore) {
        let previews = summary.previews.map { PhotoCard($0, store: store) }
        self.init(
            summary.album, count: summary.photoCount, previews: previews,
            emptySlots: AlbumSummary.previewCount - previews.count)
    }

    /// An album's card; with no previews (an album's own page), no empty preview slots either.
    init(_ album: Album, count: Int, previews: [PhotoCard] = [], emptySlots: Int = 0) {
        id = album.id
        name = album.name
        countText = count == 1 ? "1 photo" : "\(count) photos"
        self.previews = previews
        self.emptySlots = Array(0..<max(0, emptySlots))
    }
}

/// The album list.
struct AlbumsPage: Sendable {
    let title = "Albums"
    let chrome: PageChrome
    let albums: [AlbumCard]
    let hasAlbums: Bool
    /// The next page of older albums, when there is one.
    let nextURL: String?
}

/// A photo's own page.
struct PhotoPage: Sendable {
    let title: String
    let chrome: PageChrome
    let photo: PhotoCard
    let pendingIDs: String
    let newerURL: String?
    let olderURL: String?
    /// The albums the photo is in, and those it could be added to.
    let memberOf: [AlbumOption]
    let addableAlbums: [AlbumOption]
    /// Stored, as Mustache sees only stored properties: `addableAlbums` is not empty.
    let canAddToAlbum: Bool
    /// The album the page was opened from (previous/next walk it; it offers "use as cover").
    let contextAlbum: AlbumOption?
    let backURL: String
    let backText: String
    /// Show the delete form: the viewer may delete this photo (`Ownership`).
    let canDelete: Bool
    let canCorrectDate: Bool
    /// The date form's values: `2019-07-14T18:42:07` and `+02:00` (empty when unknown).
    let takenLocalValue: String
    let takenOffsetValue: String
    /// Where the timeline's date comes from, as a person reads it.
    let takenSourceText: String
    /// The "Share…" control; nil when share links are off.
    var share: ShareFormModel? = nil
    /// Set when the photo is in the trash: the page says so and offers Restore in place of the delete form.
    var trash: TrashNotice? = nil
}

/// When a photo went into the trash and when the sweep will purge it, as a page shows them.
struct TrashNotice: Sendable {
    let trashedText: String
    let trashedISO: String
    let purgeText: String
    let purgeISO: String

    init(photo: Photo, trashedAt: Date, trashDays: Int) {
        trashedText = Formatting.date(trashedAt)
        trashedISO = Timestamp.iso8601(trashedAt)
        let purge = photo.purgeDate(trashDays: trashDays) ?? trashedAt
        purgeText = Formatting.day(purge)
        purgeISO = Timestamp.iso8601(purge)
    }
}

/// A photo on the trash page: its thumbnail card and when it was trashed and will be purged.
struct TrashCard: Sendable {
    let card: PhotoCard
    let notice: TrashNotice
}

/// `GET /trash`: the photos the viewer may restore or purge, most recently trashed first.
struct TrashPage: Sendable {
    let chrome: PageChrome
    let photos: [TrashCard]
    let hasPhotos: Bool
    let nextURL: String?
    let isFirstPage: Bool
    let trashDays: Int
}

/// A readable error page.
struct ErrorPage: Sendable {
    let title: String
    let status: Int
    let message: String
    let chrome = PageChrome(csrfToken: "", section: .other)
}
