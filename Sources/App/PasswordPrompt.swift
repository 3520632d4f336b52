import ArgumentParser
import Foundation
import Web

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a new password: on a terminal, asked twice without echo; otherwise the first line of standard input
/// (`echo "$PASSWORD" | app users create alice`), so scripts and provisioning tools can set one.
enum PasswordPrompt {
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    static func readNewPassword(for username: String) throws -> String {
        let password: String
        if isatty(STDIN_FILENO) == 1 {
            let first = try readHidden("New password for \(username): ")
            if let problem = PasswordPolicy.problem(first) { throw Problem(description: problem) }
            let second = try readHidden("Repeat the password: ")
            guard first == second else { throw Problem(description: "the two passwords differ; nothing was changed") }
            password = first
        } else {
            guard let line = readLine(strippingNewline: true) else {
                throw Problem(description: "no password on standard input (give it as the first line)")
            }
            password = line.hasSuffix("\r") ? String(line.dropLast()) : line
        }
        if let problem = PasswordPolicy.problem(password) { throw Problem(description: problem) }
        return password
    }

    /// One line from the terminal with echo turned off (and back on, whatever happens).
    private static func readHidden(_ prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw Problem(description: "cannot read the terminal's settings")
        }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw Problem(description: "no password was typed") }
        return line
    }
}
