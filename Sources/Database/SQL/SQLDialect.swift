/// The two SQL dialects the repositories are written for. Statements are written once; where the dialects really
/// differ an `SQLStatement` fragment names both spellings, and placeholders, lists and clocks render here.
public enum SQLDialect: Sendable, Equatable {
    case postgres
    case sqlite

    /// The placeholder of the `index`-th bound value, counting from 1.
    func placeholder(_ index: Int) -> String {
        switch self {
        case .postgres: "$\(index)"
        case .sqlite: "?"
        }
    }

    /// Which spelling of a dialect-specific fragment applies.
    func pick(postgres: String, sqlite: String) -> String {
        self == .postgres ? postgres : sqlite
    }

    /// `SELECT 1` when `table` exists in the current schema (the migrator's read-only check).
    func tableExists(_ table: String) -> SQLStatement {
        switch self {
        case .postgres:
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = \(table)"
        case .sqlite:
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = \(table)"
        }
    }
}
