// `vans train …`: the paper's training stages (SFT of the VLM and the VDM, App. C.1; Joint-GRPO, Section 4.2).
// Every trainer writes a run directory (config.json, log.jsonl, curves.svg, atomic checkpoints) and continues
// exactly where it stopped with --resume.
import ArgumentParser

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the VLM or the VDM (SFT, Joint-GRPO); runs resume exactly with --resume.",
        subcommands: [
            // One line per trainer; each command lives in its own file (Train<Stage>Command.swift).
            TrainGRPOCommand.self,
            TrainSFTVLMCommand.self,
            TrainSFTVDMCommand.self,
        ]
    )
}
