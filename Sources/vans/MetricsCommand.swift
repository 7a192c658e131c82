import ArgumentParser

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Compute the paper's metrics.",
        subcommands: []
    )
}
