import ArgumentParser
import Foundation
import VANS

/// `vans experiment pretrain-vlm`: the VANS-Synth tokenizer and base VLM, trained from scratch.
struct ExperimentPretrainVLMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain-vlm",
        abstract: "Train the VANS-Synth tokenizer and pretrain the tiny Qwen2.5-VL from scratch as a video describer.",
        discussion: """
            Trains a byte-level BPE tokenizer (Qwen2.5-VL layout) on the train split's text, then every weight of \
            the vans-synth Qwen2.5-VL (vision tower and decoder) on generic descriptions: answer clips → their \
            captions, input clips → their scene's description. Writes OUT/tokenizer/, OUT/run/ (config.json, \
            log.jsonl, curves.svg, checkpoints) and OUT/vlm-base/ (Hugging Face layout, vans_profile.json, README.md). \
            When --data has no manifest.jsonl, a VANS-Synth train split is written there first.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Dataset folder (manifest.jsonl + videos); a train split is generated there when it has no manifest.", valueName: "DIR"))
    var data: String

    @Option(name: .long, help: ArgumentHelp("Output folder (tokenizer/, run/, vlm-base/).", valueName: "DIR"))
    var out: String

    @Option(name: .long, help: "quick (seconds, for tests) or default (the measured VANS-Synth run).")
    var profile = "default"

    @Option(name: .long, help: "Optimizer steps (default: the profile's).")
    var steps: Int?

    @Option(name: .long, help: "Examples per step (default: the profile's).")
    var batch: Int?

    @Option(name: .long, help: "Peak learning rate (default: the profile's).")
    var lr: Double?

    @Option(name: .long, help: "Seed of the initialisation, the data order and a generated split.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Checkpoint every N steps (default: the profile's).")
    var saveEvery: Int?

    @Flag(name: .long, help: "Continue the run in OUT/run from its latest checkpoint (same settings; --steps may grow).")
    var resume = false

    @Flag(name: .long, help: "Print a JSON summary.")
    var json = false

    func run() async throws {
        var configuration: VLMPretrainingConfiguration
        do { configuration = try VLMPretrainingConfiguration.profile(profile) } catch { throw ValidationError("\(error)") }
        configuration.seed = seed
        if let steps { configuration.steps = steps }
        if let batch { configuration.batch = batch }
        if let lr { configuration.learningRate = lr }
        if let saveEvery { configuration.saveEvery = saveEvery }
        try TrainingCommandRun.perform(json: json, {
            try VLMPretraining.run(configuration: configuration, data: URL(fileURLWithPath: data), output: URL(fileURLWithPath: out),
                                   resume: resume, command: TrainingCommandRun.commandLine, progress: !json)
        }, line: { summary in
            "pretrained \(summary.parameters) parameters for \(summary.steps) steps on \(summary.examples) examples in "
                + String(format: "%.0f s", summary.seconds) + ", loss \(TrainingCommandRun.lossRange(summary.firstLoss, summary.finalLoss)): \(summary.model)"
        })
    }
}
