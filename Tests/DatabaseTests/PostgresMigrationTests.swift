import Database
import Foundation
import Jobs
import MemoriesTestSupport
import PostgresNIO
import Testing

/// Postgres migrations apply once, in order, even when two instances migrate at the same moment.
@Suite("Postgres migrations")
struct PostgresMigrationTests {
    @Test("apply once, record, stay idempotent, and report pending ones")
    func applyOnce() async throws {
        try await PostgresTestDatabase.with(migrated: false) { db in
            let all = try PostgresTestDatabase.migrations()
            let later = all + [Migration(version: "9999_later", sql: "CREATE TABLE later (id bigint)")]
            #expect(try await Migrator(migrations: all).pending(db.database) == all.map(\.version))
            await #expect(throws: DatabaseError.self) {
                try await Migrator(migrations: all).requireCurrent(db.database)
            }
            #expect(try await Migrator(migrations: all).migrate(db.database) == all.map(\.version))
            #expect(try await Migrator(migrations: all).migrate(db.database).isEmpty)
            #expect(try await Migrator(migrations: all).pending(db.database).isEmpty)
            try await Migrator(migrations: all).requireCurrent(db.database)
            do {
                try await Migrator(migrations: later).requireCurrent(db.database)
                Issue.record("a database missing a migration was accepted")
            } catch let error as DatabaseError {
                #expect(error.code == .migrationsPending)
                #expect(error.message.contains("app migrate") && error.message.contains("9999_later"))
            }
            #expect(try await Migrator(migrations: later).migrate(db.database) == ["9999_later"])
            #expect(try await db.count("schema_migrations") == later.count)
        }
    }

    @Test("two migrators racing apply each migration exactly once")
    func racingMigrators() async throws {
        try await PostgresTestDatabase.with(migrated: false) { db in
            // CREATE TABLE without IF NOT EXISTS: a migration applied twice would fail the second instance.
            let all =
                try PostgresTestDatabase.migrations()
                + (1...5).map {
                    Migration(
                        version: "999\($0)_extra", sql: "CREATE TABLE extra_\($0) (id bigint); SELECT pg_sleep(0.05)")
                }
            // A second pool plays the second instance: its own connections, so the advisory lock is really contended.
            let other = try Database.PostgresDatabase(url: db.url, poolSize: 2, logger: db.logger)
            let (first, second) = try await other.withRunning {
                async let a = Migrator(migrations: all).migrate(db.database)
                async let b = Migrator(migrations: all).migrate(other)
                return try await (a, b)
            }
            #expect((first + second).sorted() == all.map(\.version).sorted())
            #expect(Set(first).isDisjoint(with: second))
            #expect(try await db.count("schema_migrations") == all.count)
            #expect(try await Migrator(migrations: all).pending(db.database).isEmpty)
        }
    }

    @Test("a failing migration is rolled back and named, without its SQL")
    func failingMigration() async throws {
        try await PostgresTestDatabase.with(migrated: false) { db in
            let all = try PostgresTestDatabase.migrations()
            let broken =
                all + [
                    Migration(
                        version: "9999_broken",
                        sql: "CREATE TABLE half (id bigint); INSERT INTO missing_table VALUES (1)")
                ]
            do {
                try await Migrator(migrations: broken).migrate(db.database)
                Issue.record("a broken migration was applied")
            } catch let error as DatabaseError {
                #expect(error.code == .migrationFailed)
                #expect(error.message.contains("9999_broken"))
                #expect(!error.message.contains("INSERT INTO"))
            }
            // Each migration has its own transaction: the good ones stay, the broken one left nothing behind.
            #expect(try await Migrator(migrations: broken).pending(db.database) == ["9999_broken"])
            #expect(try await db.count("information_schema.tables", where: "table_name = 'half'") == 0)
        }
    }

    @Test("the schema enforces the queue's invariants")
    func constraints() async throws {
        try await PostgresTestDatabase.with { db in
            _ = try await db.insertWithThumbnailJob(QueueTests.newPhoto(1), maxAttempts: 3)
            // running without a lease, an unknown state, a finished job without finished_at
            for statement in [
                "UPDATE jobs SET state = 'running'",
                "UPDATE jobs SET state = 'stuck'",
                "UPDATE jobs SET state = 'done'",
                "UPDATE photos SET status = 'ready'",
            ] {
                do {
                    try await db.execute(statement)
                    Issue.record("accepted: \(statement)")
                } catch let error as DatabaseError {
                    #expect(error.code == .corruptRow)
                }
            }
        }
    }

    @Test("URLs parse like libpq's and mask the password")
    func urls() throws {
        let url = try PostgresURL(
            parsing: "postgres://app:s%40cret@db.example.com:6432/memories?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(url.host == "db.example.com" && url.port == 6432 && url.username == "app" && url.password == "s@cret")
        #expect(url.database == "memories" && url.sslMode == .verifyFull && url.sslRootCert == "/etc/ca.pem")
        #expect(!url.description.contains("cret") && url.description.contains("****"))
        #expect(try PostgresURL(parsing: url.unmaskedURL) == url)
        let plain = try PostgresURL(parsing: "postgresql://app@127.0.0.1/db")
        #expect(plain.port == 5432 && plain.sslMode == .prefer && plain.password == nil && plain.isLocalHost)
        for bad in [
            "postgres://app@host", "postgres://host/db", "mysql://app@h/db", "postgres://app@h/db?sslmode=maybe",
            "postgres://app@h/db?ssl_mode=require",
        ] {
            #expect(throws: DatabaseError.self, "\(bad)") { try PostgresURL(parsing: bad) }
        }
        do {
            _ = try Database.PostgresDatabase(
                url: "postgres://app:pw@h/db?sslmode=verify-full&sslrootcert=/nonexistent.pem",
                logger: PostgresTestDatabase.makeLogger())
            Issue.record("a missing CA file was accepted")
        } catch {
            #expect(error.code == .invalidURL && error.message.contains("sslrootcert"))
        }
    }
}
