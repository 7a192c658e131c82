// The `vans` command line: one root command, one file per subcommand group.
import ArgumentParser

@main
struct VANSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vans",
        abstract: "Video-as-Answer: predict the next event of a video and answer with a video.",
        subcommands: [
            DemoCommand.self,
            VideoCommand.self,
            DataCommand.self,
            TokenizeCommand.self,
            TrainTokenizerCommand.self,
            MetricsCommand.self,
            SystemCommand.self,
            InspectCommand.self,
            RenderCommand.self,
            DebugCommand.self,
            CaptionCommand.self,
            AnswerCommand.self,
            ReportCommand.self,
            TrainCommand.self,
            ExperimentCommand.self,
            EvalCommand.self,
            ServeCommand.self,
        ]
    )
}
