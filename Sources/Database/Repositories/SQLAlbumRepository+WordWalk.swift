import Foundation

/// PostgreSQL's search pages walked in `photo_words` (Migrations/postgres/0016): each word's photos in timeline order,
/// so a page of the whole library reads about as many rows as it shows, however common the word and however old its
/// photos, as SQLite's FTS5 index lets it.
extension SQLAlbumRepository {
    /// The most indexed words one word of a search may be a prefix of and still lead the walk (`1` begins thousands:
    /// those pages are left to the timeline walk, which a prefix that common fills at once).
    static let wordsPerPrefix = 64

    /// The page of `page.search`'s matches among the photos of `from` (the scope's walk), or nil when it is not
    /// walked in `photo_words`. One word leads: its indexed words (those it is a prefix of) are each walked newest
    /// first with the page's conditions and the whole match tested on each photo, and the newest `limit` of all of
    /// them are the page, since a photo of the page is among the first `limit` of every walk it is in. The word
    /// leading is the one with the fewest photos. With nothing to test but the word, the walk reads only what the page
    /// shows; with other words, the favourite filter or an album (`testsMore`), it reads at most `searchWordRows` of a
    /// common word's photos, and a page left short then goes to the GIN index (nil). The match is tested as `IS
    /// TRUE`, which the GIN index cannot answer, so the planner keeps to the walk (it took a hash join over 232,000
    /// GIN matches for `iphone 12` otherwise: 385 ms instead of 1).
    func wordWalk(
        _ page: PhotoPageQuery, from: String, testsMore: Bool, conditions: [SQLStatement], match: SQLStatement,
        read: ([SQLStatement]) async throws -> [Photo]
    ) async throws -> [Photo]? {
        let tested = testsMore || page.search.words.count > 1 || page.favoritesOnly
        var leader: (words: [String], photos: Int)?
        for word in page.search.words {
            guard let prefixed = try await indexedWords(beginning: word, counting: tested) else { continue }
            if prefixed.words.isEmpty { return [] }  // no photo has this word: none has them all
            guard prefixed.words.count <= Self.wordsPerPrefix else { continue }
            if leader.map({ prefixed.photos < $0.photos }) ?? true { leader = prefixed }
        }
        guard let leader else { return nil }
        let capped = tested && leader.photos >= searchWordRows

        var bounds: [SQLStatement] = ["photo_words.word = led.word"]
        if let after = page.after {
            bounds.append(
                """
                (photo_words.taken_at, photo_words.photo_id)
                    < ((SELECT taken_at FROM photos anchor WHERE anchor.id = \(after)), \(after))
                """)
        }
        if let before = page.takenBefore { bounds.append("photo_words.taken_at < \(before)") }
        if let from = page.takenFrom { bounds.append("photo_words.taken_at >= \(from)") }
        let limit: SQLStatement = capped ? "LIMIT \(searchWordRows)" : ""
        let found = try await read([
            """
            photos.id = ANY(ARRAY(
                SELECT matched.photo_id FROM unnest(\(SQLValue.textArray(leader.words))::text[]) AS led (word)
                CROSS JOIN LATERAL (
                    SELECT word_rows.photo_id FROM (
                        SELECT photo_words.taken_at, photo_words.photo_id FROM photo_words
                        WHERE \(SQLStatement.joined(bounds, by: " AND "))
                        ORDER BY photo_words.taken_at DESC, photo_words.photo_id DESC \(limit)
                    ) word_rows JOIN \(raw: from) ON photos.id = word_rows.photo_id
                    WHERE \(SQLStatement.joined(conditions + ["(\(match)) IS TRUE"], by: " AND "))
                    ORDER BY word_rows.taken_at DESC, word_rows.photo_id DESC LIMIT \(page.limit)
                ) matched))
            """
        ])
        return capped && found.count < page.limit ? nil : found
    }

    /// The words of `photo_words` that `word` is a prefix of, up to one more than `wordsPerPrefix`, found by a skip
    /// scan (one index probe each, however many photos have them); with `counting`, also how many rows they have, up
    /// to `searchWordRows`. The prefix is the word as a document's text becomes its words (folded, parsed); nil when
    /// that is not exactly one word, which then cannot lead.
    func indexedWords(beginning word: String, counting: Bool) async throws -> (words: [String], photos: Int)? {
        let words = try await database.read(
            "SELECT unnest(tsvector_to_array(photo_search_document(\(word), NULL, NULL, NULL))) AS word"
        ).map { try $0.decode("word", as: String.self) }
        guard words.count == 1 else { return nil }
        let low = words[0]
        let high = low + "\u{10FFFF}"  // above every word that begins so, in the "C" collation's byte order
        let photos: SQLStatement =
            counting
            ? """
            (SELECT count(*) FROM (SELECT 1 FROM photo_words WHERE word >= \(low) AND word < \(high)
                                   LIMIT \(searchWordRows)) capped)
            """
            : "0"
        let rows = try await database.read(
            """
            WITH RECURSIVE prefixed (word) AS (
                SELECT (SELECT min(word) FROM photo_words WHERE word >= \(low) AND word < \(high))
                UNION ALL
                SELECT (SELECT min(photo_words.word) FROM photo_words
                        WHERE photo_words.word > prefixed.word AND photo_words.word < \(high))
                FROM prefixed WHERE prefixed.word IS NOT NULL)
            SELECT word, \(photos) AS photos FROM prefixed WHERE word IS NOT NULL LIMIT \(Self.wordsPerPrefix + 1)
            """)
        return (
            try rows.map { try $0.decode("word", as: String.self) },
            try rows.first.map { try $0.decode("photos", as: Int.self) } ?? 0
        )
    }
}
