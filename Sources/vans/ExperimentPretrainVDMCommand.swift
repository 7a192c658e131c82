// `vans experiment pretrain-vdm`: the VDM half of VANS-Synth base-model pretraining (the VAE as an autoencoder,
// then the DiT as text-to-video with a frozen umT5), written as a diffusers Wan pipeline directory `OUT/vdm-base/`.
import ArgumentParser
import Data
import Foundation
import Support
import VANS

struct ExperimentPretrainVDMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain-vdm",
        abstract: "Pretrain the VANS-Synth VDM (Wan VAE, umT5, DiT at small widths) and write OUT/vdm-base/.",
        discussion: """
            Phases: (1) the causal 3-D VAE as an autoencoder of whole 17-frame clips (He-normal init, L1 + 1e-4·KL, \
            decoding the posterior mean; 2000 steps by default), then its latent statistics; (2) the DiT as a \
            text-to-video model on the answer clips with their captions and alternative wordings (flow matching; \
            1000 steps by default), umT5 frozen at its seeded initialisation; (3) the pipeline \
            directory with a Unigram tokenizer of the world's captions, vans_profile.json and a README model card. \
            Run directories: OUT/runs/vae-pretrain, OUT/runs/t2v-pretrain (config.json, log.jsonl, curves.svg, \
            checkpoints/). When --data has no manifest.jsonl, a train split is synthesised there first. \
            Exit codes: 0 done, 1 failure, 64 bad option.
            """
    )

    @Option(name: .long, help: "VANS-Synth train split (created here when it has no manifest.jsonl).")
    var data: String

    @Option(name: .long, help: "Output directory: vdm-base/ and runs/ are written under it.")
    var out: String

    @Option(name: .long, help: "Text-to-video steps (default: the profile's); the VAE keeps the profile's steps.")
    var steps: Int?

    @Option(name: .long, help: "VAE steps (default: the profile's).")
    var vaeSteps: Int?

    @Option(name: .long, help: "Seed of the data (when synthesised), initialisation, batches and noise.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "quick (seconds, for tests) or default (the measured base model).")
    var profile = "default"

    @Flag(name: .long, help: "Continue the runs in OUT/runs from their latest checkpoints.")
    var resume = false

    @Flag(name: .long, help: "Print a JSON summary on standard output.")
    var json = false

    func validate() throws {
        guard ["quick", "default"].contains(profile) else { throw ValidationError("--profile must be quick or default") }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive") }
        if let vaeSteps, vaeSteps <= 0 { throw ValidationError("--vae-steps must be positive") }
    }

    func run() async throws {
        var chosen = (profile == "quick" ? VDMPretraining.Profile.quick : .standard).seeded(seed)
        if let steps { chosen.textToVideo.steps = steps }
        if let vaeSteps { chosen.vae.steps = vaeSteps }
        let dataURL = URL(fileURLWithPath: data), outURL = URL(fileURLWithPath: out)
        do {
            if !FileManager.default.fileExists(atPath: dataURL.appendingPathComponent(Manifest.fileName).path) {
                let configuration = SynthConfiguration(count: chosen.synthCount, seed: seed, split: .train)
                _ = try SynthDataset.write(configuration, to: dataURL, progress: ProgressBar(total: configuration.count, label: "synth"))
            }
            let loading = ProgressBar(total: 1, label: "decode clips")
            let samples = try VDMTrainingData.load(directory: dataURL, limit: chosen.limit)
            loading.advance()
            loading.finish()
            let bars = PhaseBars()
            let command = TrainingCommandRun.commandLine
            let summary = try VDMPretraining.run(data: samples, out: outURL, profile: chosen, seed: seed, resume: resume,
                                                 command: command) { phase, done, total, loss in
                bars.update(phase: phase, done: done, total: total, loss: loss)
            }
            bars.finish()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                print("wrote \(summary.pipeline) (\(summary.samples) samples; VAE loss \(summary.vaeFinalLoss.map { String(format: "%.4f", $0) } ?? "-"), "
                    + "text-to-video loss \(summary.textToVideoFinalLoss.map { String(format: "%.4f", $0) } ?? "-"))")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// One progress bar per training phase, replaced when the phase changes.
final class PhaseBars: @unchecked Sendable {
    private var phase = ""
    private var bar: ProgressBar?

    func update(phase: String, done: Int, total: Int, loss: Double?) {
        if phase != self.phase {
            bar?.finish()
            self.phase = phase
            bar = ProgressBar(total: total, label: phase)
            bar?.advance(by: done - 1)
        }
        bar?.advance()
    }

    func finish() { bar?.finish() }
}
