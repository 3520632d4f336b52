import PostgresNIO

extension PostgresDatabase: SQLDatabase {
    public var dialect: SQLDialect { .postgres }

    public func read(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await query(PostgresQuery(statement)).map(SQLRow.init)
    }

    public func write(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await read(statement)
    }

    public func transaction<T: Sendable>(
        unbounded: Bool, _ body: @escaping @Sendable (SQLTransaction) async throws -> T
    ) async throws -> T {
        try await withTransaction(unbounded: unbounded) { connection in
            try await body(SQLTransaction(connection: .postgres(connection, self)))
        }
    }

    public func whileOpen<T>(_ body: () async throws -> T) async throws -> T {
        try await withRunning {
            // Also gives the pool's run() the moment it needs to start before the first lease.
            try await checkConnection()
            return try await body()
        }
    }
}
