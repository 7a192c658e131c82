// `vans train sft-vdm`: VANS's SFT of the VDM (paper App. C.1): full fine-tuning of the DiT blocks on
// (ground-truth caption, n reference frames of the input → answer clip), writing OUT/vdm-sft/ and a run directory.
import ArgumentParser
import Foundation
import Support
import VANS

struct TrainSFTVDMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sft-vdm",
        abstract: "Fine-tune the VDM's DiT blocks on (caption, reference frames → answer clip) and write OUT/vdm-sft/.",
        discussion: """
            Reference frames: n = 6 frames of the input clip at round(linspace(0, F−1, n)) (24 frames → 0, 5, 9, 14, \
            18, 23), each VAE-encoded as a one-frame clip and prepended along time. Flow-matching loss on the answer \
            clip's latents only. The run directory OUT/runs/vdm-sft holds config.json, log.jsonl, curves.svg and \
            atomic checkpoints; --resume continues it exactly (the same losses as an uninterrupted run). \
            Exit codes: 0 done, 1 failure, 64 bad option.
            """
    )

    @Option(name: .long, help: "VANS-Synth train split (a directory with manifest.jsonl).")
    var data: String

    @Option(name: .long, help: "Base VDM: a diffusers Wan pipeline directory (e.g. OUT/vdm-base from pretrain-vdm).")
    var base: String

    @Option(name: .long, help: "Output directory: vdm-sft/ and runs/vdm-sft/ are written under it.")
    var out: String

    @Option(name: .long, help: "Optimisation steps.")
    var steps = VDMFineTuning.Parameters().steps

    @Option(name: .long, help: "Samples per step.")
    var batch = VDMFineTuning.Parameters().batch

    @Option(name: .long, help: "Learning rate (paper: 5e-5).")
    var lr = VDMFineTuning.Parameters().learningRate

    @Option(name: .long, help: "Seed of the batches, timesteps and noise.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Use only the first N samples of the manifest.")
    var limit: Int?

    @Option(name: .long, help: "Write a checkpoint every N steps (and at the end).")
    var saveEvery = VDMFineTuning.Parameters().saveEvery

    @Flag(name: .long, help: "Continue OUT/runs/vdm-sft from its latest checkpoint.")
    var resume = false

    @Flag(name: .long, help: "Print a JSON summary on standard output.")
    var json = false

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive") }
        guard saveEvery > 0 else { throw ValidationError("--save-every must be positive") }
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
    }

    func run() async throws {
        var parameters = VDMFineTuning.Parameters()
        parameters.steps = steps
        parameters.batch = batch
        parameters.learningRate = lr
        parameters.seed = seed
        parameters.saveEvery = saveEvery
        do {
            let samples = try VDMTrainingData.load(directory: URL(fileURLWithPath: data), limit: limit)
            let bars = PhaseBars()
            let command = TrainingCommandRun.commandLine
            let summary = try VDMFineTuning.run(data: samples, base: URL(fileURLWithPath: base), out: URL(fileURLWithPath: out),
                                                parameters: parameters, resume: resume, command: command) { phase, done, total, loss in
                bars.update(phase: phase, done: done, total: total, loss: loss)
            }
            bars.finish()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                print("wrote \(summary.pipeline) (\(summary.samples) samples, final loss \(summary.finalLoss.map { String(format: "%.4f", $0) } ?? "-"))")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
