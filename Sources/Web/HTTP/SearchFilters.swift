import Database
import Foundation
import Hummingbird

/// The filters of a search, from `GET /photos` or `GET /search`: `q` (words, all of which must match the name,
/// camera or album names, by prefix), `from` and `to` (days taken, `YYYY-MM-DD`, inclusive, UTC) and `album` (an id).
struct SearchFilters: Sendable, Equatable {
    /// `q` as given, for the search form.
    var text = ""
    var words = SearchWords("")
    var fromText = ""
    var toText = ""
    /// The first instant of `from` and the instant after `to`.
    var takenFrom: Date?
    var takenBefore: Date?
    var album: Int64?

    static let maxTextLength = 200
    static let maxWords = 10

    /// Whether any filter is set (with none, a search page lists nothing and asks what to look for).
    var isActive: Bool { !words.isEmpty || takenFrom != nil || takenBefore != nil || album != nil }

    init() {}

    /// Reads the filters of `request`; a malformed one is a 400 saying what was expected.
    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        text = query["q"].map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard text.count <= Self.maxTextLength else {
            throw APIError.badRequest("q has at most \(Self.maxTextLength) characters.")
        }
        words = SearchWords(text)
        guard words.words.count <= Self.maxWords else {
            throw APIError.badRequest("q has at most \(Self.maxWords) words.")
        }
        fromText = query["from"].map(String.init) ?? ""
        toText = query["to"].map(String.init) ?? ""
        if !fromText.isEmpty {
            guard let day = Formatting.dayWindow(fromText) else {
                throw APIError.badRequest("from must be a date as YYYY-MM-DD, like 2019-07-14.")
            }
            takenFrom = day.start
        }
        if !toText.isEmpty {
            guard let day = Formatting.dayWindow(toText) else {
                throw APIError.badRequest("to must be a date as YYYY-MM-DD, like 2019-07-14.")
            }
            takenBefore = day.end
        }
        if let from = takenFrom, let before = takenBefore, from >= before {
            throw APIError.badRequest("from (\(fromText)) must not be after to (\(toText)).")
        }
        if let text = query["album"], !text.isEmpty {
            guard let id = Int64(text), id > 0 else { throw APIError.badRequest("album must be an album id.") }
            album = id
        }
    }

    /// The query string that gives these filters again (`q=…&from=…`), for the next page's links.
    var queryString: String {
        var pairs: [(String, String)] = []
        if !text.isEmpty { pairs.append(("q", text)) }
        if !fromText.isEmpty { pairs.append(("from", fromText)) }
        if !toText.isEmpty { pairs.append(("to", toText)) }
        if let album { pairs.append(("album", String(album))) }
        return pairs.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    /// Only unreserved characters stay as they are, so `&`, `+` and `=` in a value stay the value's.
    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
}
