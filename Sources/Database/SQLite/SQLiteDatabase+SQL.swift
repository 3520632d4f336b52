import SQLiteNIO

extension SQLiteDatabase: SQLDatabase {
    public var dialect: SQLDialect { .sqlite }

    public func read(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await read { connection in try await SQLTransaction(connection: .sqlite(connection)).query(statement) }
    }

    public func write(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await transaction(unbounded: false) { transaction in try await transaction.query(statement) }
    }

    /// SQLite's transactions take no timeout: the single writer's lock and `busy_timeout` bound them.
    public func transaction<T: Sendable>(
        unbounded: Bool, _ body: @escaping @Sendable (SQLTransaction) async throws -> T
    ) async throws -> T {
        try await write { connection in try await body(SQLTransaction(connection: .sqlite(connection))) }
    }

    public func whileOpen<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            await close()
            return result
        } catch {
            await close()
            throw error
        }
    }
}
