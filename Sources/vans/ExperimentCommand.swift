// `vans experiment …`: whole experiments on VANS-Synth (base-model pretraining, ablations), each a sequence of
// the training and evaluation commands with their outputs laid out in one directory.
import ArgumentParser

struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run whole VANS-Synth experiments: base-model pretraining, ablations.",
        subcommands: [
            // One line per experiment or part; each command lives in its own file (Experiment<Name>Command.swift).
            ExperimentPretrainCommand.self,
            ExperimentSynthModelsCommand.self,
            ExperimentAblationCommand.self,
            ExperimentPretrainVLMCommand.self,
            ExperimentPretrainMetricsCommand.self,
            ExperimentPretrainVDMCommand.self,
        ]
    )
}
