import ArgumentParser

struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Make and check datasets in the VANS manifest format.",
        subcommands: []
    )
}
