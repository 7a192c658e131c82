// `vans experiment pretrain-metrics`: trains the VANS-Synth metric networks (CLIP and I3D) from scratch.
import ArgumentParser
import Foundation
import VANS

/// `vans experiment pretrain-metrics --data DIR --out DIR`: OUT/clip/ (a Hugging Face CLIPModel directory) and
/// OUT/i3d/ (cd-fvd I3D safetensors + config), each with its run directory and model card.
struct ExperimentPretrainMetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain-metrics",
        abstract: "Train the VANS-Synth CLIP and I3D (the stand-ins for CLIP ViT-B/32 and Kinetics I3D).",
        discussion: """
            CLIP learns (frame, caption) pairs of the answer clips contrastively (symmetric InfoNCE, learned logit \
            scale) with a CLIP BPE tokenizer learned from the captions; I3D learns to classify the clips' event \
            types. --data is a VANS-Synth dataset folder: either a train split (manifest.jsonl) with --eval-data \
            for the held-out split, or a folder holding train/ and eval/ (as `vans data synth` writes them). \
            Reports I3D held-out accuracy and CLIP image→text retrieval accuracy on the held-out split.
            Exit codes: 0 success, 2 unreadable data, 3 training failed.
            """
    )

    @Option(name: .long, help: ArgumentHelp("VANS-Synth data: a train split folder, or a folder with train/ and eval/.", valueName: "DIR"))
    var data: String

    @Option(name: .long, help: ArgumentHelp("The held-out split (default: DATA/eval when it exists).", valueName: "DIR"))
    var evalData: String?

    @Option(name: .long, help: ArgumentHelp("Output folder: writes OUT/clip/ and OUT/i3d/.", valueName: "DIR"))
    var out: String

    @Option(name: .long, help: "Training steps for both networks (default: the profile's).")
    var steps: Int?

    @Option(name: .long, help: "Seed of initialisation and data order.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "quick (seconds, for tests) or default.")
    var profile: Profile = .default

    @Option(name: .long, help: ArgumentHelp("Train only these networks (clip, i3d; repeatable).", valueName: "NAME"))
    var only: [String] = []

    @Option(name: .long, help: "Held-out clips to evaluate at most (I3D at 224×224 costs about a second per clip).")
    var evalLimit = 100

    @Flag(name: .long, help: "Continue the runs in OUT from their latest checkpoints.")
    var resume = false

    @Flag(name: .long, help: "Print a JSON summary.")
    var json = false

    enum Profile: String, ExpressibleByArgument, CaseIterable {
        case quick, `default`
    }

    func validate() throws {
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive.") }
        if let bad = only.first(where: { !["clip", "i3d"].contains($0) }) { throw ValidationError("--only takes clip or i3d, got \(bad).") }
    }

    struct Summary: Encodable {
        var clip: CLIPPretrainingResult?
        var i3d: I3DPretrainingResult?
    }

    func run() async throws {
        let root = URL(fileURLWithPath: data)
        let manager = FileManager.default
        var trainURL = root, evalURL = evalData.map { URL(fileURLWithPath: $0) }
        if !manager.fileExists(atPath: root.appendingPathComponent("manifest.jsonl").path),
           manager.fileExists(atPath: root.appendingPathComponent("train/manifest.jsonl").path) {
            trainURL = root.appendingPathComponent("train")
            if evalURL == nil, manager.fileExists(atPath: root.appendingPathComponent("eval/manifest.jsonl").path) {
                evalURL = root.appendingPathComponent("eval")
            }
        }
        var clipParameters = profile == .quick ? CLIPPretrainingParameters.quick : CLIPPretrainingParameters()
        var i3dParameters = profile == .quick ? I3DPretrainingParameters.quick : I3DPretrainingParameters()
        clipParameters.seed = seed
        i3dParameters.seed = seed
        if let steps {
            clipParameters.steps = steps
            i3dParameters.steps = steps
        }
        let limit = [clipParameters.clipLimit, i3dParameters.clipLimit].contains(nil) ? nil
            : max(clipParameters.clipLimit ?? 0, i3dParameters.clipLimit ?? 0)
        let train: [MetricPretrainingClip], held: [MetricPretrainingClip]?
        do {
            if !json { print("Reading \(trainURL.path)…") }
            train = try MetricPretrainingData.clips(in: trainURL, limit: limit)
            held = try evalURL.map { try MetricPretrainingData.clips(in: $0, limit: profile == .quick ? 16 : evalLimit) }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let command = TrainingCommandRun.commandLine
        let output = URL(fileURLWithPath: out)
        var summary = Summary()
        do {
            if only.isEmpty || only.contains("clip") {
                summary.clip = try CLIPPretraining.run(train: train, evaluation: held, parameters: clipParameters,
                                                       output: output.appendingPathComponent("clip"), resume: resume,
                                                       command: command, showProgress: !json)
                if !json, let result = summary.clip {
                    print(String(format: "CLIP: loss %.4f → %.4f in %.0f s; image→text retrieval %@", result.firstLoss, result.finalLoss,
                                 result.seconds, result.retrievalAccuracy.map { String(format: "%.3f over %d captions", $0, result.retrievalCandidates ?? 0) } ?? "not measured (no held-out split)"))
                }
            }
            if only.isEmpty || only.contains("i3d") {
                summary.i3d = try I3DPretraining.run(train: train, evaluation: held, parameters: i3dParameters,
                                                     output: output.appendingPathComponent("i3d"), resume: resume,
                                                     command: command, showProgress: !json)
                if !json, let result = summary.i3d {
                    print(String(format: "I3D: loss %.4f → %.4f in %.0f s; held-out accuracy %@ (%d event types)", result.firstLoss,
                                 result.finalLoss, result.seconds,
                                 result.heldOutAccuracy.map { String(format: "%.3f", $0) } ?? "not measured", result.eventTypes.count))
                }
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(3)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print("Wrote " + [summary.clip.map { $0.directory }, summary.i3d.map { URL(fileURLWithPath: $0.file).deletingLastPathComponent().path }]
                .compactMap { $0 }.joined(separator: " and "))
        }
    }
}
