/// A parsed `DATABASE_URL`: `sqlite:PATH` (the embedded default) or `postgres://…`.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// The default: a file under `./data`.
    public static let defaultValue = "sqlite:./data/memories.sqlite3"

    /// Parses the setting; the error message says what was expected.
    public init(parsing text: String) throws(DatabaseError) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else {
                throw DatabaseError(.invalidURL, "expected sqlite:PATH, e.g. sqlite:./data/memories.sqlite3")
            }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            throw DatabaseError(.invalidURL, "expected sqlite:PATH or postgres://user:pass@host:5432/db")
        }
    }

    /// The URL with any password masked, for printing.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard let at = url.firstIndex(of: "@"), let schemeEnd = url.range(of: "://") else { return url }
            let credentials = url[schemeEnd.upperBound..<at]
            guard let colon = credentials.firstIndex(of: ":") else { return url }
            return String(url[..<colon]) + ":****" + String(url[at...])
        }
    }
}
