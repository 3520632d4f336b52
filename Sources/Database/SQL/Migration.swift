import Foundation

/// One numbered SQL file from `Migrations/<dialect>/`, e.g. `0001_init.sql`.
public struct Migration: Sendable, Equatable {
    /// The file name without `.sql`; recorded in `schema_migrations`.
    public let version: String
    public let sql: String

    public init(version: String, sql: String) {
        self.version = version
        self.sql = sql
    }

    /// Loads every `NNNN_name.sql` in `folder`, in order.
    public static func load(from folder: String) throws(DatabaseError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw DatabaseError(.migrationFailed, "no migrations folder at \(folder)")
        }
        var migrations: [Migration] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            guard name.first?.isNumber == true else { continue }
            guard let sql = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8) else {
                throw DatabaseError(.migrationFailed, "cannot read migration \(name)")
            }
            migrations.append(Migration(version: String(name.dropLast(4)), sql: sql))
        }
        guard !migrations.isEmpty else { throw DatabaseError(.migrationFailed, "no migrations in \(folder)") }
        return migrations
    }

    /// The file's statements, split on semicolons outside quotes, `$$` bodies, comments and trigger bodies
    /// (`CREATE TRIGGER … BEGIN …; END`).
    public var statements: [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var inDollarQuote = false
        var inLineComment = false
        var previous: Character = " "
        for character in sql {
            if inLineComment {
                if character == "\n" { inLineComment = false }
                previous = character
                continue
            }
            if let open = quote {
                current.append(character)
                if character == open { quote = nil }
            } else if character == "$" && previous == "$" {
                inDollarQuote.toggle()
                current.append(character)
            } else if inDollarQuote {
                current.append(character)
            } else if character == "-" && previous == "-" {
                current.removeLast()
                inLineComment = true
            } else if character == "'" || character == "\"" {
                quote = character
                current.append(character)
            } else if character == ";" && !Self.isInsideTriggerBody(current) {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            } else {
                current.append(character)
            }
            // A `$` that closed a `$$` must not open another with the next one.
            previous = character == "$" && previous == "$" ? " " : character
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    /// Whether a `;` after `text` ends a statement inside an SQLite trigger's `BEGIN … END` rather than the trigger.
    static func isInsideTriggerBody(_ text: String) -> Bool {
        let words = text.uppercased().split(whereSeparator: { $0.isWhitespace || $0 == "(" || $0 == ")" })
        guard words.starts(with: ["CREATE", "TRIGGER"]) || words.starts(with: ["CREATE", "TEMP", "TRIGGER"]),
            words.contains("BEGIN")
        else { return false }
        return words.last != "END"
    }
}
