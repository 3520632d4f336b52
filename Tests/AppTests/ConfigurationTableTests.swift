import Foundation
import MemoriesTestSupport
import Testing

/// Every environment variable the code reads is in docs/configuration.md's table: a setting nobody can find is a
/// setting nobody can use (issue 26).
@Suite("Configuration table")
struct ConfigurationTableTests {
    /// Where the code reads a variable: `environment["X"]`, the S3 settings' `value("X")`, a `SettingReader` call
    /// (`…, "X", default:`) and a flag's help text (`help: "X: …"`).
    static let readPatterns = [
        #"environment\["([A-Z][A-Z0-9_]+)"\]"#, #"value\("([A-Z][A-Z0-9_]+)"\)"#, #""([A-Z][A-Z0-9_]+)", default:"#,
        #"help: "([A-Z][A-Z0-9_]+):"#,
    ]

    static func swiftFiles(under folder: String) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder)
        var files: [String] = []
        while let name = enumerator?.nextObject() as? String {
            if name.hasSuffix(".swift") { files.append(folder + "/" + name) }
        }
        return files
    }

    static func matches(_ pattern: String, in text: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test("every variable the code reads has a row in the configuration table")
    func everyVariableDocumented() throws {
        let root = TestWorkspace.repositoryRoot
        var read: Set<String> = []
        for file in try Self.swiftFiles(under: root + "/Sources") {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for pattern in Self.readPatterns { read.formUnion(try Self.matches(pattern, in: text)) }
        }
        let table = try String(contentsOfFile: root + "/docs/configuration.md", encoding: .utf8)
            .split(separator: "\n").filter { $0.hasPrefix("| `") }
            .map { String($0.dropFirst().prefix { $0 != "|" }) }.joined(separator: " ")
        let documented = Set(try Self.matches(#"`([A-Z][A-Z0-9_]+)`"#, in: table))
        #expect(read.count > 40, "the patterns found only \(read.sorted())")
        #expect(
            read.subtracting(documented).isEmpty,
            "not in docs/configuration.md: \(read.subtracting(documented).sorted())")
    }
}
