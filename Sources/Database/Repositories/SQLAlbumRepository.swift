import Foundation

/// `AlbumRepository` over either dialect. Memberships live in `album_photos`, whose copy of `taken_at` (kept by a
/// trigger) lets an album's pages walk one index.
public struct SQLAlbumRepository: AlbumRepository {
    let database: any SQLDatabase
    /// How many of the newest rows of a page's walk a PostgreSQL search tests before asking its GIN index.
    let searchWalkRows: Int
    /// How many of one word's photos a PostgreSQL search walks in `photo_words` while testing its other words, the
    /// favourite filter or an album's membership on each, before it asks the GIN index instead.
    let searchWordRows: Int

    public init(database: any SQLDatabase, searchWalkRows: Int = 5000, searchWordRows: Int = 10000) {
        self.database = database
        self.searchWalkRows = searchWalkRows
        self.searchWordRows = searchWordRows
    }

    static let selected = SQLPhotoRepository.selected
    static let live = SQLPhotoRepository.live
    static let albumColumns = "id, name, created_at, updated_at, cover_photo_id"

    public func albumSummaries(before: Int64?, limit: Int) async throws -> [AlbumSummary] {
        let albums = try await database.read(
            """
            SELECT \(raw: Self.albumColumns) FROM albums WHERE id < \(before ?? Int64.max) ORDER BY id DESC LIMIT \(limit)
            """
        ).map(Album.init)
        let ids = albums.map(\.id)
        guard !ids.isEmpty else { return [] }
        var counts: [Int64: Int] = [:]
        for row in try await database.read(
            """
            SELECT album_photos.album_id, count(*) AS photo_count
            FROM album_photos JOIN photos ON photos.id = album_photos.photo_id
            WHERE album_photos.album_id \(in: ids) AND \(Self.live) GROUP BY album_photos.album_id
            """)
        {
            counts[try row.decode("album_id")] = try row.decode("photo_count")
        }
        // The cover and the newest few photos of each album on the page in one query, ranked within each album.
        let previews = try await database.read(
            """
            SELECT \(Self.selected), ranked.album_id AS preview_album FROM (
                SELECT album_photos.album_id, album_photos.photo_id, row_number() OVER (
                    PARTITION BY album_photos.album_id
                    ORDER BY CASE WHEN album_photos.photo_id = albums.cover_photo_id THEN 0 ELSE 1 END,
                             album_photos.taken_at DESC, album_photos.photo_id DESC) AS preview_rank
                FROM album_photos JOIN albums ON albums.id = album_photos.album_id
                JOIN photos ON photos.id = album_photos.photo_id
                WHERE album_photos.album_id \(in: ids) AND \(Self.live)) ranked
            JOIN photos ON photos.id = ranked.photo_id
            WHERE ranked.preview_rank <= \(AlbumSummary.previewCount) ORDER BY ranked.album_id, ranked.preview_rank
            """)
        var byAlbum: [Int64: [Photo]] = [:]
        for row in previews { byAlbum[try row.decode("preview_album"), default: []].append(try Photo(row: row)) }
        return albums.map { album in
            AlbumSummary(album: album, photoCount: counts[album.id] ?? 0, previews: byAlbum[album.id] ?? [])
        }
    }

    public func recentAlbums(limit: Int) async throws -> [Album] {
        try await database.read(
            "SELECT \(raw: Self.albumColumns) FROM albums ORDER BY updated_at DESC, id DESC LIMIT \(limit)"
        ).map(Album.init)
    }

    public func albums(ids: [Int64]) async throws -> [Album] {
        guard !ids.isEmpty else { return [] }
        return try await database.read(
            """
            SELECT \(raw: Self.albumColumns) FROM albums WHERE id \(in: ids)
            ORDER BY \(postgres: "lower(name)", sqlite: "name COLLATE NOCASE"), id
            """
        ).map(Album.init)
    }

    public func album(id: Int64) async throws -> Album? {
        try await database.read("SELECT \(raw: Self.albumColumns) FROM albums WHERE id = \(id)").first.map(Album.init)
    }

    public func photoCount(inAlbum id: Int64) async throws -> Int {
        try await database.read(
            """
            SELECT count(*) AS n FROM album_photos JOIN photos ON photos.id = album_photos.photo_id
            WHERE album_photos.album_id = \(id) AND \(Self.live)
            """
        ).first?.decode("n") ?? 0
    }

    public func createAlbum(name: String) async throws -> Album {
        guard
            let row = try await database.write(
                """
                INSERT INTO albums (name, created_at, updated_at) VALUES (\(name), \(now: .text), \(now: .text))
                RETURNING \(raw: Self.albumColumns)
                """
            ).first
        else { throw DatabaseError(.corruptRow, "insert returned no album") }
        return try Album(row: row)
    }

    public func renameAlbum(id: Int64, name: String) async throws -> Album? {
        try await database.write(
            """
            UPDATE albums SET name = \(name), updated_at = \(now: .text) WHERE id = \(id)
            RETURNING \(raw: Self.albumColumns)
            """
        ).first.map(Album.init)
    }

    public func setCover(albumID: Int64, photoID: Int64?) async throws -> Album? {
        let member: SQLStatement =
            if let photoID {
                "EXISTS (SELECT 1 FROM album_photos WHERE album_id = \(albumID) AND photo_id = \(photoID))"
            } else {
                "1 = 1"
            }
        return try await database.write(
            """
            UPDATE albums SET cover_photo_id = \(photoID), updated_at = \(now: .text)
            WHERE id = \(albumID) AND \(member)
            RETURNING \(raw: Self.albumColumns)
            """
        ).first.map(Album.init)
    }

    public func deleteAlbum(id: Int64) async throws -> Bool {
        try await !database.write("DELETE FROM albums WHERE id = \(id) RETURNING id").isEmpty
    }

    public func photos(in scope: PhotoScope, page: PhotoPageQuery) async throws -> [Photo] {
        let walk = Self.walk(scope, search: page.search, dialect: database.dialect)
        var conditions = walk.conditions
        if let after = page.after {
            // The cursor photo's own key, read in SQL: exact, whatever precision the column has.
            let key = walk.key.joined(separator: ", ")
            conditions.append(
                "(\(raw: key)) < (SELECT \(raw: walk.anchorKey) FROM photos anchor WHERE anchor.id = \(after))")
        }
        if let before = page.takenBefore { conditions.append("\(raw: walk.takenAt) < \(before)") }
        if let from = page.takenFrom { conditions.append("\(raw: walk.takenAt) >= \(from)") }
        if walk.searchesIndex {
            // The same window as a range of the index's rowids, so the walk starts and stops there.
            if let before = page.takenBefore {
                conditions.append("photo_search.rowid < \(SearchKey.upperBound(before))")
            }
            if let from = page.takenFrom { conditions.append("photo_search.rowid >= \(SearchKey.lowerBound(from))") }
        }
        // Spelled as the partial index photos_favorite_taken is, so each database uses it.
        if page.favoritesOnly { conditions.append("\(postgres: "photos.favorite", sqlite: "photos.favorite = 1")") }
        let order = walk.key.map { $0 + " DESC" }.joined(separator: ", ")
        func read(_ extra: [SQLStatement]) async throws -> [Photo] {
            try await database.read(
                """
                SELECT \(Self.selected) FROM \(raw: walk.from) WHERE \(SQLStatement.joined(conditions + extra, by: " AND "))
                ORDER BY \(raw: order) LIMIT \(page.limit)
                """
            ).map(Photo.init)
        }
        guard let match = walk.postgresMatch else { return try await read([]) }
        // The whole library walks a word's photos first; an album walks its own photos when they are few.
        let isAlbum = if case .album = scope { true } else { false }
        func walkWords() async throws -> [Photo]? {
            try await wordWalk(
                page, from: walk.from, testsMore: isAlbum, conditions: conditions, match: match, read: read)
        }
        if !isAlbum, let found = try await walkWords() { return found }
        // PostgreSQL's GIN index finds matches in no order, and its planner guesses badly how many a prefix has (it
        // walked a million rows for a word with 49), so the order of attempts is fixed here. First the walk's newest
        // rows, down to the key of its 5,000th (OFFSET only finds that bound; the page itself is keyset, and the
        // bound is bound as a value so the planner sees how few rows it leaves), the match tested on each rather
        // than through the index: a common word fills the page there, and a full page is right, since those rows
        // come before all others. An album with more photos than that walks a word's photos first. At last every
        // match from the index, in the page's order.
        let tested: SQLStatement = "(\(match)) IS TRUE"
        guard
            let bound = try await database.read(
                """
                SELECT \(raw: walk.key[0]) AS bound_taken, \(raw: walk.key[1]) AS bound_id FROM \(raw: walk.from)
                WHERE \(SQLStatement.joined(conditions, by: " AND ")) ORDER BY \(raw: order)
                OFFSET \(searchWalkRows - 1) LIMIT 1
                """
            ).first
        else { return try await read([tested]) }  // fewer rows than that: the walk reads them all
        if isAlbum, let found = try await walkWords() { return found }
        let taken = try bound.decode("bound_taken", as: Date.self)
        let id = try bound.decode("bound_id", as: Int64.self)
        let newest = try await read([tested, "(\(raw: walk.key.joined(separator: ", "))) >= (\(taken), \(id))"])
        if newest.count == page.limit { return newest }
        return try await read(["photos.id = ANY(ARRAY(SELECT id FROM photos WHERE \(match)))"])
    }

    public func allPhotos(inAlbum id: Int64) async throws -> [Photo] {
        try await database.read(
            """
            SELECT \(Self.selected) FROM album_photos JOIN photos ON photos.id = album_photos.photo_id
            WHERE album_photos.album_id = \(id) AND \(Self.live) ORDER BY album_photos.taken_at, album_photos.photo_id
            """
        ).map(Photo.init)
    }

    public func neighbours(of photo: Photo, in scope: PhotoScope) async throws -> PhotoNeighbours {
        let timeline = Self.timeline(scope)
        let position: SQLStatement = "(SELECT taken_at, id FROM photos anchor WHERE anchor.id = \(photo.id))"
        let key = "(\(timeline.takenAt), \(timeline.id))"
        guard
            let row = try await database.read(
                """
                SELECT (SELECT \(raw: timeline.id) FROM \(raw: timeline.from) WHERE \(timeline.scope)
                        AND \(raw: key) > \(position) ORDER BY \(raw: timeline.takenAt), \(raw: timeline.id) LIMIT 1)
                        AS newer,
                       (SELECT \(raw: timeline.id) FROM \(raw: timeline.from) WHERE \(timeline.scope)
                        AND \(raw: key) < \(position)
                        ORDER BY \(raw: timeline.takenAt) DESC, \(raw: timeline.id) DESC LIMIT 1) AS older
                """
            ).first
        else { return PhotoNeighbours(newer: nil, older: nil) }
        return PhotoNeighbours(newer: try row.decode("newer"), older: try row.decode("older"))
    }

    public func add(photoIDs: [Int64], toAlbum albumID: Int64) async throws -> [Int64]? {
        try await database.transaction { transaction in
            // FOR SHARE: the album cannot be deleted between this check and the insert.
            let found = try await transaction.query(
                "SELECT id FROM albums WHERE id = \(albumID)\(postgres: " FOR SHARE", sqlite: "")")
            guard !found.isEmpty else { return nil }
            let added = try await SQLPhotoRepository.addToAlbum(albumID, photoIDs: photoIDs, in: transaction)
            if !added.isEmpty { try await Self.touch(albumID, in: transaction) }
            return added
        }
    }

    public func remove(photoIDs: [Int64], fromAlbum albumID: Int64) async throws -> [Int64]? {
        try await database.transaction { transaction in
            let found = try await transaction.query(
                "SELECT id FROM albums WHERE id = \(albumID)\(postgres: " FOR UPDATE", sqlite: "")")
            guard !found.isEmpty, !photoIDs.isEmpty else { return found.isEmpty ? nil : [] }
            let removed: [Int64] = try await transaction.query(
                "DELETE FROM album_photos WHERE album_id = \(albumID) AND photo_id \(in: photoIDs) RETURNING photo_id"
            ).map { try $0.decode("photo_id") }
            guard !removed.isEmpty else { return removed }
            try await transaction.query(
                """
                UPDATE albums SET cover_photo_id = CASE WHEN cover_photo_id \(in: removed) THEN NULL
                    ELSE cover_photo_id END, updated_at = \(now: .text)
                WHERE id = \(albumID)
                """)
            return removed
        }
    }

    static func touch(_ albumID: Int64, in transaction: SQLTransaction) async throws {
        try await transaction.query("UPDATE albums SET updated_at = \(now: .text) WHERE id = \(albumID)")
    }

    /// How a page walks its photos newest first: the rows it reads, the conditions of its scope and search, the
    /// photos' `taken_at`, the key it orders by, and that key of the cursor photo (`anchor`).
    struct Walk {
        var from: String
        var conditions: [SQLStatement]
        var takenAt: String
        var key: [String]
        var anchorKey: String
        /// Whether it walks SQLite's `photo_search` index (whose rowids are timeline places).
        var searchesIndex = false
        /// PostgreSQL's match of the words (`photos.search_document @@ …`), which the page adds itself.
        var postgresMatch: SQLStatement?
    }

    /// The walk of `scope`, narrowed to the photos matching `search`. Without words it is the timeline's walk. With
    /// them, PostgreSQL keeps that walk and matches the GIN-indexed `search_document` (`photos(in:page:)` decides
    /// how); SQLite walks the FTS5 index itself, whose rowid orders like the timeline to the second (`SearchKey`),
    /// so a page reads only the matches it shows.
    static func walk(_ scope: PhotoScope, search: SearchWords, dialect: SQLDialect) -> Walk {
        let timeline = Self.timeline(scope)
        var walk = Walk(
            from: timeline.from, conditions: [timeline.scope], takenAt: timeline.takenAt,
            key: [timeline.takenAt, timeline.id], anchorKey: "taken_at, id")
        guard !search.isEmpty else { return walk }
        switch dialect {
        case .postgres:
            walk.postgresMatch = "photos.search_document @@ to_tsquery('simple', search_fold(\(search.tsQuery)))"
        case .sqlite:
            var match = search.fts5Query
            // An album is a word of the index too, so the walk meets only that album's matches.
            if case .album(let id) = scope { match += " AND album_ids : \"\(id)\"" }
            walk = Walk(
                from: "photo_search CROSS JOIN photos ON photos.id = (photo_search.rowid & \(SearchKey.idMask))",
                conditions: ["photo_search MATCH \(match)", live], takenAt: "photos.taken_at",
                key: ["photo_search.rowid"],
                anchorKey: SearchKey.sql(photos: "anchor"), searchesIndex: true)
        }
        return walk
    }

    /// Where a scope's photos are read from, and the columns its timeline order walks; the scope's condition keeps
    /// trashed photos out, so every page, neighbour and favourite list built on it does too.
    static func timeline(_ scope: PhotoScope) -> (from: String, scope: SQLStatement, takenAt: String, id: String) {
        switch scope {
        case .all:
            ("photos", live, "photos.taken_at", "photos.id")
        case .album(let id):
            (
                "album_photos JOIN photos ON photos.id = album_photos.photo_id",
                "album_photos.album_id = \(id) AND \(live)", "album_photos.taken_at", "album_photos.photo_id"
            )
        }
    }
}

extension Album {
    /// Builds an album from a row selected with `SQLAlbumRepository.albumColumns`.
    init(row: SQLRow) throws {
        self.init(
            id: try row.decode("id"), name: try row.decode("name"), createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"), coverPhotoID: try row.decode("cover_photo_id"))
    }
}
