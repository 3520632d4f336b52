import PostgresNIO
import SQLiteNIO

/// The database seam: the repositories, the migrator and the queue are written once over it.
/// `PostgresDatabase` (a pool) and `SQLiteDatabase` (one writer, a few readers) conform.
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }

    /// Runs a statement that only reads, outside any transaction (an SQLite reader, a pooled PostgreSQL connection).
    func read(_ statement: SQLStatement) async throws -> [SQLRow]

    /// Runs one statement that writes, atomically (a statement is its own transaction in PostgreSQL; SQLite's
    /// single writer runs it in `BEGIN IMMEDIATE`).
    func write(_ statement: SQLStatement) async throws -> [SQLRow]

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws. With `unbounded`, no
    /// operation timeout applies (a migration may take long).
    func transaction<T: Sendable>(
        unbounded: Bool, _ body: @escaping @Sendable (SQLTransaction) async throws -> T
    ) async throws -> T

    /// Throws when the database cannot be queried (for `/readyz`).
    func checkHealth() async throws

    /// Runs `body` while the database is usable, then closes it: a PostgreSQL pool runs beside `body`, after one
    /// direct connection has been tried, so a wrong password or an unreachable server stops a start at once.
    func whileOpen<T>(_ body: () async throws -> T) async throws -> T
}

extension SQLDatabase {
    /// A transaction bounded by the database's operation timeout.
    public func transaction<T: Sendable>(
        _ body: @escaping @Sendable (SQLTransaction) async throws -> T
    ) async throws -> T {
        try await transaction(unbounded: false, body)
    }

    public func checkHealth() async throws {
        _ = try await read("SELECT 1")
    }
}

/// An open transaction (or, for the PostgreSQL listener and checks, a plain connection): what statements that must
/// commit together are run on. The upload's photo and its job, and a job's outcome and its photo, share one.
public struct SQLTransaction: Sendable {
    enum Connection: Sendable {
        /// With the database, which logs and turns driver errors into `DatabaseError`s.
        case postgres(PostgresConnection, PostgresDatabase)
        case sqlite(SQLiteConnection)
    }

    let connection: Connection

    public var dialect: SQLDialect {
        switch connection {
        case .postgres: .postgres
        case .sqlite: .sqlite
        }
    }

    /// Runs one statement and collects its rows.
    @discardableResult
    public func query(_ statement: SQLStatement) async throws -> [SQLRow] {
        switch connection {
        case .postgres(let connection, let database):
            do {
                return try await connection.query(PostgresQuery(statement), logger: database.logger).collect()
                    .map(SQLRow.init)
            } catch {
                throw database.mapError(error)
            }
        case .sqlite(let connection):
            let (sql, binds) = statement.render(for: .sqlite)
            return try await connection.query(sql, binds.map(SQLiteData.init)).map(SQLRow.init)
        }
    }
}

extension PostgresQuery {
    /// The statement rendered for PostgreSQL, its values bound with their PostgreSQL types.
    init(_ statement: SQLStatement) {
        let (sql, values) = statement.render(for: .postgres)
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: binds.appendNull()
            case .integer(let number): binds.append(number)
            case .double(let number): binds.append(number)
            case .text(let text): binds.append(text)
            case .bool(let flag): binds.append(flag)
            case .blob(let bytes): binds.append(ByteBuffer(bytes: bytes))
            case .date(let date): binds.append(date)
            case .milliseconds(let date): binds.append(date)
            case .integerArray(let numbers): binds.append(numbers)
            case .textArray(let texts): binds.append(texts)
            }
        }
        self.init(unsafeSQL: sql, binds: binds)
    }
}

extension SQLiteData {
    /// The value in SQLite's storage classes: display times as ISO 8601 text, queue times as milliseconds.
    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case .integer(let number): self = .integer(Int(number))
        case .double(let number): self = .float(number)
        case .text(let text): self = .text(text)
        case .bool(let flag): self = .integer(flag ? 1 : 0)
        case .blob(let bytes): self = .blob(ByteBuffer(bytes: bytes))
        case .date(let date): self = .text(Timestamp.iso8601(date))
        case .milliseconds(let date): self = .integer(Int(Timestamp.milliseconds(date)))
        case .integerArray, .textArray: preconditionFailure("SQLStatement expands lists for SQLite")
        }
    }
}
