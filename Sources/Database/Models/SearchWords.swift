import Foundation

/// The words of a search (`GET /photos?q=`), split as both search indexes split text: runs of letters and digits,
/// so `IMG_1234.JPG` is `img`, `1234`, `jpg`. Every word must match (AND), each as a prefix of a word of the photo's
/// name, camera or album names; case and the accents of Latin letters do not matter.
public struct SearchWords: Sendable, Equatable {
    /// Lowercased, in the order given, without repeats.
    public let words: [String]

    public init(_ text: String) {
        var seen = Set<String>()
        words = text.split { !($0.isLetter || $0.isNumber) }.map { $0.lowercased() }
            .filter { seen.insert($0).inserted }
    }

    public var isEmpty: Bool { words.isEmpty }

    /// An FTS5 query over the text columns of `photo_search`: every word as a quoted prefix (`"cano"*`); the words
    /// hold only letters and digits, so quoting cannot be escaped.
    var fts5Query: String {
        "{name camera albums} : (" + words.map { "\"\($0)\"*" }.joined(separator: " AND ") + ")"
    }

    /// A `to_tsquery` text: every word as a prefix (`cano:*`), ANDed.
    var tsQuery: String {
        words.map { "\($0):*" }.joined(separator: " & ")
    }
}
