import Foundation
import Logging
import PostgresNIO

/// Applies `Migrations/postgres/*.sql` in order, each once and in its own transaction, recording them in
/// `schema_migrations`. Every transaction first takes a transaction-level advisory lock, so two instances
/// migrating at once (two deploys, two Kubernetes Jobs) take turns and each migration is applied once.
public struct PostgresMigrator: Sendable {
    public let migrations: [Migration]

    /// The advisory lock's key: any constant other code does not use; this one spells "memories".
    static let lockKey: Int64 = 0x6d65_6d6f_7269_6573

    public init(migrations: [Migration]) {
        self.migrations = migrations
    }

    /// Applies what is missing and returns the versions this call applied (empty when another instance did).
    @discardableResult
    public func migrate(_ database: PostgresDatabase) async throws -> [String] {
        let lockKey = Self.lockKey
        let logger = database.logger
        let applied = try await database.withTransaction(unbounded: true) { connection -> Set<String> in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            return try await Self.appliedVersions(connection, logger: logger)
        }
        var done: [String] = []
        for migration in migrations where !applied.contains(migration.version) {
            let didApply = try await database.withTransaction(unbounded: true) { connection -> Bool in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                // Another instance may have applied it while this one waited for the lock.
                let version = migration.version
                let already = try await connection.query(
                    "SELECT 1 FROM schema_migrations WHERE version = \(version)", logger: logger
                ).collect()
                guard already.isEmpty else { return false }
                for statement in migration.statements {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    } catch {
                        let reason = (database.mapError(error) as? DatabaseError)?.message ?? "\(type(of: error))"
                        throw DatabaseError(
                            .migrationFailed, "migration \(migration.version) failed: \(reason)",
                            underlying: PostgresDriverError(error))
                    }
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version) VALUES (\(version))", logger: logger)
                return true
            }
            if didApply {
                logger.info("applied migration", metadata: ["migration.version": "\(migration.version)"])
                done.append(migration.version)
            }
        }
        return done
    }

    /// The versions not yet applied (empty when the schema is current).
    public func pending(_ database: PostgresDatabase) async throws -> [String] {
        let logger = database.logger
        let applied = try await database.withConnection { connection -> Set<String> in
            let exists = try await connection.query(
                """
                SELECT 1 FROM information_schema.tables
                WHERE table_schema = current_schema() AND table_name = 'schema_migrations'
                """, logger: logger
            ).collect()
            guard !exists.isEmpty else { return [] }
            return try await Self.appliedVersions(connection, logger: logger)
        }
        return migrations.map(\.version).filter { !applied.contains($0) }
    }

    /// Throws `migrationsPending`, naming `app migrate`, when the schema is behind this build.
    public func requireCurrent(_ database: PostgresDatabase) async throws {
        let missing = try await pending(database)
        guard missing.isEmpty else {
            throw DatabaseError(
                .migrationsPending,
                "the database is behind this version (missing \(missing.joined(separator: ", "))): run `app migrate` first"
            )
        }
    }

    private static func appliedVersions(_ connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        var versions: Set<String> = []
        for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger)
            .decode(String.self)
        {
            versions.insert(version)
        }
        return versions
    }
}
