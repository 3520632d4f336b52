import Foundation

/// One SQL statement, written once for both dialects with string interpolation: `\(value)` binds a value,
/// `\(raw:)` inserts trusted text (column lists), `\(in:)` matches a list, `\(now:)` reads the clock and
/// `\(postgres:sqlite:)` spells what the dialects write differently. It renders to SQL and binds per dialect.
public struct SQLStatement: Sendable, ExpressibleByStringInterpolation {
    /// How a time column is stored, which decides how `now` renders in SQLite.
    public enum TimeColumn: Sendable {
        /// ISO 8601 text in SQLite (`created_at`, `updated_at`), `timestamptz` in PostgreSQL.
        case text
        /// Milliseconds since 1970 in SQLite (the queue's `run_at`, `locked_until`), `timestamptz` in PostgreSQL.
        case milliseconds
    }

    enum Fragment: Sendable {
        case sql(String)
        case bind(SQLValue)
        /// An `integerArray` or `textArray`.
        case list(SQLValue)
        /// The database's clock plus an offset: PostgreSQL's `now()` (one clock for every host), a bound time in SQLite.
        case now(TimeColumn, offset: Duration)
        case dialect(postgres: String, sqlite: String)
    }

    var fragments: [Fragment]

    public init(stringLiteral value: String) {
        fragments = [.sql(value)]
    }

    public init(stringInterpolation: StringInterpolation) {
        fragments = stringInterpolation.fragments
    }

    /// Builds statements from literals and interpolations.
    public struct StringInterpolation: StringInterpolationProtocol {
        var fragments: [Fragment] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            fragments.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) {
            fragments.append(.sql(literal))
        }

        /// A bound value.
        public mutating func appendInterpolation(_ value: some SQLBindable) {
            fragments.append(.bind(value.sqlValue))
        }

        /// A bound value or NULL.
        public mutating func appendInterpolation<Value: SQLBindable>(_ value: Value?) {
            fragments.append(.bind(value.sqlValue))
        }

        /// A bound value of an explicit shape (`.milliseconds(date)`).
        public mutating func appendInterpolation(_ value: SQLValue) {
            fragments.append(.bind(value))
        }

        /// Trusted SQL text, never user input: column lists and constants.
        public mutating func appendInterpolation(raw sql: String) {
            fragments.append(.sql(sql))
        }

        /// Another statement's fragments, spliced in.
        public mutating func appendInterpolation(_ statement: SQLStatement) {
            fragments.append(contentsOf: statement.fragments)
        }

        /// `IN (…)` for the values: `= ANY($1)` in PostgreSQL (one array bind), `IN (?, ?, …)` in SQLite.
        /// Callers handle an empty list themselves.
        public mutating func appendInterpolation(in values: [Int64]) {
            fragments.append(.list(.integerArray(values)))
        }

        /// `IN (…)` for texts, as for integers.
        public mutating func appendInterpolation(in values: [String]) {
            fragments.append(.list(.textArray(values)))
        }

        /// The database's current time, optionally moved by `offset`, for a column stored as `column`.
        public mutating func appendInterpolation(now column: TimeColumn, plus offset: Duration = .zero) {
            fragments.append(.now(column, offset: offset))
        }

        /// Text the dialects spell differently (`greatest` and `max`, `lower(name)` and `name COLLATE NOCASE`).
        public mutating func appendInterpolation(postgres: String, sqlite: String) {
            fragments.append(.dialect(postgres: postgres, sqlite: sqlite))
        }
    }

    /// The statements one after another with `separator` between them (`AND`-ed conditions).
    public static func joined(_ statements: [SQLStatement], by separator: String) -> SQLStatement {
        var joined = SQLStatement(stringLiteral: "")
        for (index, statement) in statements.enumerated() {
            if index > 0 { joined.fragments.append(.sql(separator)) }
            joined.fragments.append(contentsOf: statement.fragments)
        }
        return joined
    }

    /// The SQL text and its bound values for `dialect`; `now` is read once, so a statement sees one time.
    func render(for dialect: SQLDialect, now: Date = Date()) -> (sql: String, binds: [SQLValue]) {
        var sql = ""
        var binds: [SQLValue] = []
        func bind(_ value: SQLValue) {
            binds.append(value)
            sql += dialect.placeholder(binds.count)
        }
        for fragment in fragments {
            switch fragment {
            case .sql(let text):
                sql += text
            case .bind(let value):
                bind(value)
            case .list(let array):
                if dialect == .postgres {
                    sql += "= ANY("
                    bind(array)
                    sql += ")"
                } else {
                    let items: [SQLValue] =
                        switch array {
                        case .integerArray(let numbers): numbers.map(SQLValue.integer)
                        case .textArray(let texts): texts.map(SQLValue.text)
                        default: [array]
                        }
                    sql += "IN ("
                    for index in items.indices {
                        if index > 0 { sql += ", " }
                        bind(items[index])
                    }
                    sql += ")"
                }
            case .now(let column, let offset):
                if dialect == .postgres {
                    sql += "now()"
                    if offset != .zero {
                        sql += " + "
                        bind(.integer(offset.wholeMilliseconds))
                        sql += " * interval '1 millisecond'"
                    }
                } else {
                    let time = now.addingTimeInterval(Double(offset.wholeMilliseconds) / 1000)
                    bind(column == .text ? .date(time) : .milliseconds(time))
                }
            case .dialect(let postgres, let sqlite):
                sql += dialect.pick(postgres: postgres, sqlite: sqlite)
            }
        }
        return (sql, binds)
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded towards zero.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
