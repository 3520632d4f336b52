import Foundation
import PostgresNIO
import SQLiteNIO

/// One result row of either dialect, read by column name. Every model has one decoder written over it.
public struct SQLRow: Sendable {
    enum Storage: Sendable {
        case postgres(PostgresRandomAccessRow)
        case sqlite(SQLiteRow)
    }

    let storage: Storage

    init(_ row: PostgresRow) {
        storage = .postgres(row.makeRandomAccess())
    }

    init(_ row: SQLiteRow) {
        storage = .sqlite(row)
    }

    /// Whether the row has this column (NULL or not).
    public func has(_ column: String) -> Bool {
        switch storage {
        case .postgres(let row): row.contains(column)
        case .sqlite(let row): row.column(column) != nil
        }
    }

    /// The column's value; nil for NULL when `T` is optional. Throws `corruptRow` when it is missing or of
    /// another type.
    public func decode<T: SQLDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        do {
            switch storage {
            case .postgres(let row):
                guard row.contains(column) else { throw SQLDecodingFailure() }
                return try T.decode(postgres: row[column])
            case .sqlite(let row):
                guard let data = row.column(column) else { throw SQLDecodingFailure() }
                return try T.decode(sqlite: data)
            }
        } catch {
            throw DatabaseError(
                .corruptRow, "a row has no readable column \(column)", underlying: SendableError(error))
        }
    }
}

/// A column value a row could not give as the type asked for.
struct SQLDecodingFailure: Error {}

/// A type `SQLRow.decode` reads: from a PostgreSQL cell through postgres-nio, from SQLite's storage classes here.
public protocol SQLDecodable: Sendable {
    static func decode(postgres cell: PostgresCell) throws -> Self
    static func decode(sqlite data: SQLiteData) throws -> Self
}

extension SQLDecodable where Self: PostgresDecodable {
    public static func decode(postgres cell: PostgresCell) throws -> Self { try cell.decode(Self.self) }
}

extension Int: SQLDecodable {
    public static func decode(sqlite data: SQLiteData) throws -> Int {
        guard case .integer(let value) = data else { throw SQLDecodingFailure() }
        return value
    }
}

extension Int64: SQLDecodable {
    public static func decode(sqlite data: SQLiteData) throws -> Int64 {
        Int64(try Int.decode(sqlite: data))
    }
}

extension Double: SQLDecodable {
    public static func decode(sqlite data: SQLiteData) throws -> Double {
        switch data {
        case .float(let value): return value
        case .integer(let value): return Double(value)
        default: throw SQLDecodingFailure()
        }
    }
}

extension String: SQLDecodable {
    public static func decode(sqlite data: SQLiteData) throws -> String {
        guard case .text(let value) = data else { throw SQLDecodingFailure() }
        return value
    }
}

extension Bool: SQLDecodable {
    public static func decode(sqlite data: SQLiteData) throws -> Bool {
        try Int.decode(sqlite: data) != 0
    }
}

extension Date: SQLDecodable {
    /// SQLite keeps display times as ISO 8601 text and the queue's times as milliseconds: either reads back.
    public static func decode(sqlite data: SQLiteData) throws -> Date {
        switch data {
        case .text(let text):
            guard let date = Timestamp.parse(text) else { throw SQLDecodingFailure() }
            return date
        case .integer(let milliseconds):
            return Timestamp.date(milliseconds: Int64(milliseconds))
        default:
            throw SQLDecodingFailure()
        }
    }
}

extension [UInt8]: SQLDecodable {
    public static func decode(postgres cell: PostgresCell) throws -> [UInt8] {
        Array(try cell.decode(ByteBuffer.self).readableBytesView)
    }

    public static func decode(sqlite data: SQLiteData) throws -> [UInt8] {
        guard case .blob(let buffer) = data else { throw SQLDecodingFailure() }
        return Array(buffer.readableBytesView)
    }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    public static func decode(postgres cell: PostgresCell) throws -> Wrapped? {
        cell.bytes == nil ? nil : try Wrapped.decode(postgres: cell)
    }

    public static func decode(sqlite data: SQLiteData) throws -> Wrapped? {
        if case .null = data { return nil }
        return try Wrapped.decode(sqlite: data)
    }
}
