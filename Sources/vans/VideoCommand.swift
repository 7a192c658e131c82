import ArgumentParser

struct VideoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Inspect video files and detect shots.",
        subcommands: [VideoShotsCommand.self]
    )
}
