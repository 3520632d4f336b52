import Database
import Foundation
import Logging
import MemoriesTestSupport
import Testing

/// Migrations apply once, in order, and a database that is behind is refused with a message naming `app migrate`.
@Suite("Migrations")
struct MigrationTests {
    @Test("statements split on semicolons outside quotes and comments")
    func splitting() {
        let migration = Migration(
            version: "0001_x",
            sql: """
                -- a comment; with a semicolon
                CREATE TABLE a (x TEXT DEFAULT 'a;b');
                INSERT INTO a VALUES ('it''s; fine');  -- trailing
                CREATE INDEX i ON a (x)
                """)
        #expect(
            migration.statements == [
                "CREATE TABLE a (x TEXT DEFAULT 'a;b')", "INSERT INTO a VALUES ('it''s; fine')",
                "CREATE INDEX i ON a (x)",
            ])
    }

    @Test("trigger bodies and $$ functions stay whole")
    func splittingBodies() {
        let migration = Migration(
            version: "0001_x",
            sql: """
                CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN UPDATE a SET x = 'y'; RETURN NULL; END $$;
                CREATE TRIGGER t AFTER INSERT ON a BEGIN
                    UPDATE a SET x = 'z' WHERE x = 'end;';
                    DELETE FROM a;
                END;
                SELECT 1
                """)
        #expect(
            migration.statements == [
                "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN UPDATE a SET x = 'y'; RETURN NULL; END $$",
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n    UPDATE a SET x = 'z' WHERE x = 'end;';\n    DELETE FROM a;\nEND",
                "SELECT 1",
            ])
    }

    @Test("apply once, record, and report pending ones")
    func applyOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try await SQLiteDatabase.open(path: folder + "/db.sqlite3", logger: Logger(label: "test"))
        let all = try Migration.load(from: TestWorkspace.repositoryRoot + "/Migrations/sqlite")
        let later = all + [Migration(version: "9999_later", sql: "CREATE TABLE later (id INTEGER)")]
        #expect(try await Migrator(migrations: all).pending(database) == all.map(\.version))
        #expect(try await Migrator(migrations: all).migrate(database) == all.map(\.version))
        #expect(try await Migrator(migrations: all).migrate(database).isEmpty)
        try await Migrator(migrations: all).requireCurrent(database)
        await #expect(throws: DatabaseError.self) { try await Migrator(migrations: later).requireCurrent(database) }
        do {
            try await Migrator(migrations: later).requireCurrent(database)
        } catch let error as DatabaseError {
            #expect(error.code == .migrationsPending)
            #expect(error.message.contains("app migrate"))
        }
        #expect(try await Migrator(migrations: later).migrate(database) == ["9999_later"])
        await database.close()
    }

    @Test("DATABASE_URL parsing and masking")
    func databaseURL() throws {
        #expect(try DatabaseURL(parsing: "sqlite:./data/x.sqlite3") == .sqlite(path: "./data/x.sqlite3"))
        #expect(try DatabaseURL(parsing: "sqlite:///tmp/x.db") == .sqlite(path: "/tmp/x.db"))
        #expect(try DatabaseURL(parsing: "postgres://u:secret@h:5432/db").description == "postgres://u:****@h:5432/db")
        #expect(throws: DatabaseError.self) { try DatabaseURL(parsing: "mysql://x") }
    }
}
