import ArgumentParser
import Composition

/// `app`: the one binary of Memories, with a subcommand per role (DESIGN §1).
@main
struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app",
        abstract: "Memories: upload a photo, get a fast gallery.",
        subcommands: [
            DevCommand.self, ServeCommand.self, WorkerCommand.self, MigrateCommand.self, ThumbnailCommand.self,
            JobsCommand.self, CheckCommand.self, StorageCommand.self, UsersCommand.self, TokensCommand.self,
            ImportCommand.self,
        ]
    )

    /// Tunes the allocator before any role starts, then runs the chosen subcommand as ArgumentParser would.
    static func main() async {
        MemoryTuning.apply()
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
