import Mustache

/// `GET /search`: the search form with its filters filled in, and the matching photos once a filter is set.
struct SearchPage: Sendable {
    let title = "Search · Memories"
    let chrome: PageChrome
    let text: String
    let fromText: String
    let toText: String
    /// The album choices, the chosen one selected.
    let albums: [AlbumOption]
    /// The results; nil until a filter is set.
    let grid: PhotoGrid?
    let isFirstPage: Bool
    let hasFilters: Bool

    init(
        chrome: PageChrome, filters: SearchFilters, albums: [AlbumOption], grid: PhotoGrid?, isFirstPage: Bool
    ) {
        self.chrome = chrome
        text = filters.text
        fromText = filters.fromText
        toText = filters.toText
        self.albums = albums
        self.grid = grid
        self.isFirstPage = isFirstPage
        hasFilters = filters.isActive
    }
}

extension SearchPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "chrome": chrome
        case "text": text
        case "fromText": fromText
        case "toText": toText
        case "albums": albums
        case "grid": grid
        case "isFirstPage": isFirstPage
        case "hasFilters": hasFilters
        default: nil
        }
    }
}
