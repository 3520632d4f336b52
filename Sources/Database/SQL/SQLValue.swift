import Foundation

/// A value bound to a statement's placeholder. Times come in the two shapes SQLite stores them in: `date` for
/// columns it keeps as ISO 8601 text (display times) and `milliseconds` for the integer columns the queue and the
/// sessions do arithmetic on; PostgreSQL keeps both as `timestamptz`.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case double(Double)
    case text(String)
    case bool(Bool)
    case blob([UInt8])
    /// A time kept as ISO 8601 text in SQLite, as `timestamptz` in PostgreSQL.
    case date(Date)
    /// A time kept as milliseconds since 1970 in SQLite, as `timestamptz` in PostgreSQL.
    case milliseconds(Date)
    /// A PostgreSQL array: what `\(in:)` binds there (SQLite gets one placeholder per item).
    case integerArray([Int64])
    case textArray([String])
}

/// A Swift value that binds as an `SQLValue` (`\(value)` in an `SQLStatement`).
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension Int: SQLBindable {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
}

extension Int64: SQLBindable {
    public var sqlValue: SQLValue { .integer(self) }
}

extension Double: SQLBindable {
    public var sqlValue: SQLValue { .double(self) }
}

extension String: SQLBindable {
    public var sqlValue: SQLValue { .text(self) }
}

extension Bool: SQLBindable {
    public var sqlValue: SQLValue { .bool(self) }
}

extension Date: SQLBindable {
    public var sqlValue: SQLValue { .date(self) }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
