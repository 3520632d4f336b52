import Foundation

/// Applies `Migrations/<dialect>/*.sql` in order, each once and in its own transaction, recording them in
/// `schema_migrations`. Two instances migrating at once (two deploys, two Kubernetes Jobs) take turns: each
/// transaction first takes PostgreSQL's transaction-level advisory lock, or SQLite's write lock (`BEGIN IMMEDIATE`).
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// The advisory lock's key: any constant other code does not use; this one spells "memories".
    static let lockKey: Int64 = 0x6d65_6d6f_7269_6573

    public init(migrations: [Migration]) {
        self.migrations = migrations
    }

    /// Applies what is missing and returns the versions this call applied (empty when another instance did).
    @discardableResult
    public func migrate(_ database: any SQLDatabase) async throws -> [String] {
        let applied = try await database.transaction(unbounded: true) { transaction -> Set<String> in
            try await Self.lock(transaction)
            try await transaction.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version \(postgres: "text", sqlite: "TEXT") PRIMARY KEY,
                    applied_at \(postgres: "timestamptz", sqlite: "TEXT") NOT NULL)
                """)
            return try await Self.appliedVersions(transaction)
        }
        var done: [String] = []
        for migration in migrations where !applied.contains(migration.version) {
            let didApply = try await database.transaction(unbounded: true) { transaction -> Bool in
                try await Self.lock(transaction)
                // Another instance may have applied it while this one waited for the lock.
                guard
                    try await transaction.query(
                        "SELECT 1 FROM schema_migrations WHERE version = \(migration.version)"
                    ).isEmpty
                else { return false }
                for statement in migration.statements {
                    do {
                        try await transaction.query("\(raw: statement)")
                    } catch {
                        let reason = (error as? DatabaseError)?.message ?? "\(error)"
                        throw DatabaseError(
                            .migrationFailed, "migration \(migration.version) failed: \(reason)",
                            underlying: SendableError(error))
                    }
                }
                try await transaction.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (\(migration.version), \(now: .text))")
                return true
            }
            if didApply { done.append(migration.version) }
        }
        return done
    }

    /// The versions not yet applied (empty when the schema is current). Only reads.
    public func pending(_ database: any SQLDatabase) async throws -> [String] {
        var applied: Set<String> = []
        if try await !database.read(database.dialect.tableExists("schema_migrations")).isEmpty {
            applied = Set(
                try await database.read("SELECT version FROM schema_migrations").map { try $0.decode("version") })
        }
        return migrations.map(\.version).filter { !applied.contains($0) }
    }

    /// Throws `migrationsPending`, naming `app migrate`, when the schema is behind this build.
    public func requireCurrent(_ database: any SQLDatabase) async throws {
        let missing = try await pending(database)
        guard missing.isEmpty else {
            throw DatabaseError(
                .migrationsPending,
                "the database is behind this version (missing \(missing.joined(separator: ", "))): run `app migrate` first"
            )
        }
    }

    /// PostgreSQL: the advisory lock that makes concurrent migrators take turns (SQLite's writer lock already does).
    private static func lock(_ transaction: SQLTransaction) async throws {
        guard transaction.dialect == .postgres else { return }
        try await transaction.query("SELECT pg_advisory_xact_lock(\(lockKey))")
    }

    private static func appliedVersions(_ transaction: SQLTransaction) async throws -> Set<String> {
        Set(try await transaction.query("SELECT version FROM schema_migrations").map { try $0.decode("version") })
    }
}
