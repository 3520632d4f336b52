import Foundation
import SQLiteNIO

/// Applies `Migrations/sqlite/*.sql` in order, each once, recording them in `schema_migrations`.
public struct SQLiteMigrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations
    }

    /// Applies what is missing and returns the versions it applied. `BEGIN IMMEDIATE` holds SQLite's write lock
    /// for the whole run, so two processes migrating at once take turns instead of racing.
    @discardableResult
    public func migrate(_ database: SQLiteDatabase) async throws -> [String] {
        try await database.withWriter { connection in
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                _ = try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
                let applied = Set(try await connection.query("SELECT version FROM schema_migrations").compactMap {
                    $0.column("version")?.string
                })
                var done: [String] = []
                for migration in migrations where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        do {
                            _ = try await connection.query(statement)
                        } catch {
                            throw DatabaseError(
                                .migrationFailed, "migration \(migration.version) failed: \(error)",
                                underlying: SendableError(error))
                        }
                    }
                    _ = try await connection.query(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                        [.text(migration.version), .text(Timestamp.iso8601(Date()))])
                    done.append(migration.version)
                }
                _ = try await connection.query("COMMIT")
                return done
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    /// The versions not yet applied (empty when the schema is current).
    public func pending(_ database: SQLiteDatabase) async throws -> [String] {
        let applied = try await database.read { connection -> Set<String> in
            let exists = try await connection.query(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
            guard !exists.isEmpty else { return [] }
            return Set(try await connection.query("SELECT version FROM schema_migrations").compactMap {
                $0.column("version")?.string
            })
        }
        return migrations.map(\.version).filter { !applied.contains($0) }
    }

    /// Throws `migrationsPending`, naming `app migrate`, when the schema is behind this build.
    public func requireCurrent(_ database: SQLiteDatabase) async throws {
        let missing = try await pending(database)
        guard missing.isEmpty else {
            throw DatabaseError(
                .migrationsPending,
                "the database is behind this version (missing \(missing.joined(separator: ", "))): run `app migrate` first")
        }
    }
}
