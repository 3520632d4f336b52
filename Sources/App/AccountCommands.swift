import ArgumentParser
import Composition
import Database
import Foundation
import Web

/// `app users`: create, list and delete accounts, and set passwords.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Create, list and delete the accounts that may sign in.",
        subcommands: [
            UsersCreateCommand.self, UsersPasswdCommand.self, UsersListCommand.self, UsersDeleteCommand.self,
            UsersRoleCommand.self,
        ],
        defaultSubcommand: UsersListCommand.self)
}

/// `app tokens`: API tokens for scripts (`Authorization: Bearer TOKEN`).
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Create, list and revoke API tokens for scripts (Authorization: Bearer TOKEN).",
        subcommands: [TokensCreateCommand.self, TokensListCommand.self, TokensRevokeCommand.self],
        defaultSubcommand: TokensListCommand.self)
}

/// Runs `body` with the account repository of a current database; errors become one readable line and exit 1.
private func withAccounts(
    _ settings: Settings, role: String, _ body: @escaping (any AccountRepository, Configuration) async throws -> Void
) async throws {
    try await Runtime.run(settings, role: role) { configuration, _, logger in
        let database = try await DatabaseBackend.open(configuration, logger: logger)
        try await database.run {
            try await database.requireCurrent()
            try await body(database.accounts, configuration)
        }
    }
}

/// Prints `role: message` to standard error and fails.
private func refuse(_ role: String, _ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("\(role): \(message)\n".utf8))
    return ExitCode(1)
}

/// `app users create NAME [--admin]`: password prompted twice, or the first line of standard input. The first
/// account (while there is no enabled admin) is an admin, so someone can manage accounts from the browser.
struct UsersCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract:
            "Create an account (password prompted twice, or the first line of standard input when it is not a terminal). The first account is an admin."
    )

    @Argument(help: "The username: 1–64 characters without spaces; unique regardless of case.") var username: String
    @Flag(name: .customLong("admin"), help: "Make the account an admin (the first account always is).")
    var admin = false
    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    @OptionGroup(title: PasswordOptions.title) var passwords: PasswordOptions
    var settings: Settings { Settings(process: process, database: database, passwords: passwords) }

    func run() async throws {
        let role = "app users create"
        if let problem = UsernamePolicy.problem(username) { throw refuse(role, problem) }
        let username = self.username
        try await withAccounts(settings, role: role) { accounts, configuration in
            if try await accounts.credentials(username: username) != nil {
                throw refuse(
                    role, "a user named \(username) already exists (names are compared without regard to case)")
            }
            let password = try PasswordPrompt.readNewPassword(for: username)
            let hash = try await PasswordHasher(cost: configuration.bcryptCost).hash(password)
            let hasAdmin = try await accounts.users().contains { $0.isAdmin && !$0.isDisabled }
            guard
                let user = try await accounts.createUser(
                    username: username, passwordHash: hash, role: admin || !hasAdmin ? .admin : .member)
            else {
                throw refuse(
                    role, "a user named \(username) already exists (names are compared without regard to case)")
            }
            print("created user \(user.username) (id \(user.id), \(user.role.rawValue))")
        }
    }
}

/// `app users passwd NAME`: a new password; every session of the user ends.
struct UsersPasswdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Set a user's password (prompted, or from standard input); signs them out everywhere.")

    @Argument(help: "The username.") var username: String
    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    @OptionGroup(title: PasswordOptions.title) var passwords: PasswordOptions
    var settings: Settings { Settings(process: process, database: database, passwords: passwords) }

    func run() async throws {
        let role = "app users passwd"
        let username = self.username
        try await withAccounts(settings, role: role) { accounts, configuration in
            guard try await accounts.credentials(username: username) != nil else {
                throw refuse(role, "there is no user named \(username) (see app users list)")
            }
            let password = try PasswordPrompt.readNewPassword(for: username)
            let hash = try await PasswordHasher(cost: configuration.bcryptCost).hash(password)
            guard try await accounts.changePassword(username: username, passwordHash: hash) else {
                throw refuse(role, "there is no user named \(username) (see app users list)")
            }
            print("changed the password of \(username); their sessions have ended")
        }
    }
}

/// `app users list`.
struct UsersListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts.")

    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    var settings: Settings { Settings(process: process, database: database) }

    func run() async throws {
        try await withAccounts(settings, role: "app users list") { accounts, _ in
            let users = try await accounts.users()
            if users.isEmpty { print("no users yet: app users create NAME") }
            for user in users {
                let state = user.disabledAt.map { "disabled \(Timestamp.iso8601($0))" } ?? "enabled"
                print(
                    "\(user.id)\t\(user.username)\t\(user.role.rawValue)\t\(state)\tcreated \(Timestamp.iso8601(user.createdAt))"
                )
            }
        }
    }
}

/// `app users delete NAME`: the account, its sessions and tokens; its photos stay, without an owner.
struct UsersDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete an account with its sessions and tokens; its photos stay, without an owner.")

    @Argument(help: "The username.") var username: String
    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    var settings: Settings { Settings(process: process, database: database) }

    func run() async throws {
        let role = "app users delete"
        let username = self.username
        try await withAccounts(settings, role: role) { accounts, _ in
            guard try await accounts.deleteUser(username: username) else {
                throw refuse(role, "there is no user named \(username) (see app users list)")
            }
            print("deleted user \(username); their photos remain, without an owner")
        }
    }
}

/// `app users role NAME admin|member`: grants or takes away admin; the last enabled admin stays one.
struct UsersRoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "role", abstract: "Make an account an admin or a member (admins manage accounts in the browser).")

    @Argument(help: "The username.") var username: String
    @Argument(help: "admin or member.") var newRole: String
    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    var settings: Settings { Settings(process: process, database: database) }

    func run() async throws {
        let role = "app users role"
        guard let newRole = Role(rawValue: self.newRole.lowercased()) else {
            throw refuse(role, "the role must be admin or member, not \(self.newRole)")
        }
        let username = self.username
        try await withAccounts(settings, role: role) { accounts, _ in
            guard let user = try await accounts.credentials(username: username)?.user else {
                throw refuse(role, "there is no user named \(username) (see app users list)")
            }
            switch try await accounts.setRole(userID: user.id, role: newRole) {
            case .changed(let changed):
                print("\(changed.username) is now \(changed.role == .admin ? "an admin" : "a member")")
            case .notFound: throw refuse(role, "there is no user named \(username) (see app users list)")
            case .lastAdmin:
                throw refuse(role, "\(user.username) is the last enabled admin: make another account an admin first")
            }
        }
    }
}

/// `app tokens create USERNAME [--name LABEL]`: prints the token once.
struct TokensCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create an API token for a user and print it (it is shown only this once).")

    @Argument(help: "The user the token acts for.") var username: String
    @Option(name: .customLong("name"), help: "A label to tell tokens apart, e.g. the script using it.") var label =
        "api"
    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    var settings: Settings { Settings(process: process, database: database) }

    func run() async throws {
        let role = "app tokens create"
        let label = self.label.trimmingCharacters(in: .whitespaces)
        guard (1...200).contains(label.count) else { throw refuse(role, "--name must be 1 to 200 characters") }
        let username = self.username
        try await withAccounts(settings, role: role) { accounts, _ in
            let secret = SecretToken.newAPIToken()
            guard
                let token = try await accounts.createToken(
                    username: username, name: label, tokenHash: SecretToken.digest(secret))
            else { throw refuse(role, "there is no user named \(username) (see app users list)") }
            FileHandle.standardError.write(
                Data(
                    "token \(token.id) (\(token.name)) for \(token.username); store it now, it is not shown again:\n"
                        .utf8))
            print(secret)
        }
    }
}

/// `app tokens list [USERNAME]`.
struct TokensListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List API tokens (never the secrets).")

    @Argument(help: "Only this user's tokens.") var username: String?
    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    var settings: Settings { Settings(process: process, database: database) }

    func run() async throws {
        let username = self.username
        try await withAccounts(settings, role: "app tokens list") { accounts, _ in
            let tokens = try await accounts.tokens(username: username)
            if tokens.isEmpty { print("no tokens: app tokens create USERNAME --name LABEL") }
            for token in tokens {
                let used = token.lastUsedAt.map { "last used \(Timestamp.iso8601($0))" } ?? "never used"
                let state = token.revokedAt.map { "revoked \(Timestamp.iso8601($0))" } ?? "active"
                print(
                    "\(token.id)\t\(token.username)\t\(token.name)\t\(state)\tcreated \(Timestamp.iso8601(token.createdAt))\t\(used)"
                )
            }
        }
    }
}

/// `app tokens revoke ID`.
struct TokensRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke an API token; it stops working at once.")

    @Argument(help: "The token's id (from app tokens list).") var id: Int64
    @OptionGroup(title: ProcessOptions.title) var process: ProcessOptions
    @OptionGroup(title: DatabaseOptions.title) var database: DatabaseOptions
    var settings: Settings { Settings(process: process, database: database) }

    func run() async throws {
        let role = "app tokens revoke"
        let id = self.id
        try await withAccounts(settings, role: role) { accounts, _ in
            guard try await accounts.revokeToken(id: id) else {
                throw refuse(role, "there is no active token \(id) (see app tokens list)")
            }
            print("revoked token \(id)")
        }
    }
}
