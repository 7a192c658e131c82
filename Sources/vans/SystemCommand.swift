import ArgumentParser

struct SystemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system",
        abstract: "Report what the engine detected on this machine.",
        subcommands: []
    )
}
