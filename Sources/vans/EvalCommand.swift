// `vans eval`: the paper's Table 1 (and Table 4's cascades) on a manifest's evaluation samples.
import ArgumentParser
import CLIP
import Foundation
import I3D
import Support
import VANS
import VideoMetrics

/// `vans eval --data DIR --vlm DIR --vdm DIR --out DIR`: table.md, table.json, report.html, samples.jsonl, videos/.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate VANS and its cascades as the paper's Table 1: BLEU@1–4, ROUGE-L, FVD, CLIP-V, CLIP-T per category.",
        discussion: """
            Rows (--rows, comma-separated): video-extension (the VDM continues the input, empty caption), qwen-wan \
            (base VLM → base VDM, no reference frames), qwen*-wan (SFT VLM → base VDM), qwen*-wan* (both SFT, no \
            reference frames), vans (both SFT, with reference frames). Captions are greedy; renders use --seed. \
            Each number comes with a seeded 95 % bootstrap interval over samples. With VANS-Synth metric networks \
            (--clip, --i3d from `vans experiment pretrain-metrics`) the numbers are VANS-Synth CLIP / I3D numbers; \
            without one, its metrics are left out. --fake uses ScriptedReasoner and PatternRenderer (no weights), \
            to try the command end to end.
            Exit codes: 0 success, 2 bad input, 3 evaluation failed.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Evaluation split (a folder with manifest.jsonl).", valueName: "DIR"))
    var data: String

    @Option(name: .long, help: ArgumentHelp("The SFT VLM (Qwen2.5-VL layout with adapter/).", valueName: "DIR"))
    var vlm: String?

    @Option(name: .long, help: ArgumentHelp("The SFT VDM (diffusers Wan pipeline).", valueName: "DIR"))
    var vdm: String?

    @Option(name: .long, help: ArgumentHelp("The base VLM, for the Qwen-Wan row.", valueName: "DIR"))
    var baseVlm: String?

    @Option(name: .long, help: ArgumentHelp("The base VDM, for the Qwen-Wan and Qwen*-Wan rows.", valueName: "DIR"))
    var baseVdm: String?

    @Option(name: .long, help: ArgumentHelp("Output folder.", valueName: "DIR"))
    var out: String

    @Option(name: .long, help: "Samples per category (the first N procedural and the first N predictive).")
    var limit = 400

    @Option(name: .long, help: ArgumentHelp("Rows to run, comma-separated (default: every row whose models are given).", valueName: "LIST"))
    var rows: String?

    @Option(name: .long, help: ArgumentHelp("CLIP directory (Hugging Face CLIPModel layout) for CLIP-V and CLIP-T.", valueName: "DIR"))
    var clip: String?

    @Option(name: .long, help: ArgumentHelp("I3D weights (safetensors or .pt, or the folder pretrain-metrics writes) for FVD.", valueName: "FILE"))
    var i3d: String?

    @Option(name: .long, help: "Seed of the renders and of the bootstrap.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Bootstrap resamples for the confidence intervals.")
    var bootstrap = 1000

    @Flag(name: .long, help: "Score captions against every accepted wording in answer_alternatives (COCO multi-reference) instead of answer_caption alone (the paper's protocol).")
    var allWordings = false

    @Flag(name: .long, help: "Use the scripted reasoner and pattern renderer instead of models (no weights needed).")
    var fake = false

    @Flag(name: .long, help: "Print table.json instead of the markdown table.")
    var json = false

    func validate() throws {
        if limit <= 0 { throw ValidationError("--limit must be positive.") }
        if bootstrap < 0 { throw ValidationError("--bootstrap must be at least 0.") }
    }

    static func makeReasoner(directory: URL) throws -> any NextEventReasoner {
        try PipelineStages.reasoner(directory: directory)
    }

    static func makeRenderer(directory: URL) throws -> any AnswerRenderer {
        try PipelineStages.renderer(directory: directory)
    }

    /// The metric networks named by --clip and --i3d.
    func metricNetworks() throws -> EvaluationMetricNetworks {
        try Self.metricNetworks(clip: clip, i3d: i3d)
    }

    /// CLIP (CLIP-V, CLIP-T) from a CLIP directory and I3D (FVD) from a weights file or pretrain-metrics directory.
    static func metricNetworks(clip: String?, i3d: String?) throws -> EvaluationMetricNetworks {
        var embedding: (any VideoEmbedding)?
        var features: (any VideoFeatureExtractor)?
        var names: [String] = []
        if let clip {
            let directory = URL(fileURLWithPath: clip)
            embedding = CLIPVideoEmbedder(clip: try CLIPBundle.load(directory: directory))
            names.append(Self.modelName(directory: directory, fallback: "CLIP"))
        }
        if let i3d {
            let url = i3dWeights(i3d)
            features = I3DFeatureExtractor(distance: FrechetVideoDistance(i3d: try InceptionI3d.load(contentsOf: url)))
            names.append(Self.modelName(directory: url.deletingLastPathComponent(), fallback: "I3D (\(url.lastPathComponent))"))
        }
        return EvaluationMetricNetworks(embedding: embedding, videoFeatures: features,
                                        description: names.isEmpty ? "none (text metrics only)" : names.joined(separator: " / "))
    }

    /// I3D weights named by a file, or by the folder `vans experiment pretrain-metrics` writes (its weights file).
    static func i3dWeights(_ path: String) -> URL {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { return url }
        return url.appendingPathComponent(I3DPretraining.weightsFileName)
    }

    /// The first heading of the directory's README.md ("VANS-Synth CLIP"), else `fallback`.
    static func modelName(directory: URL, fallback: String) -> String {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("README.md"), encoding: .utf8),
              let heading = text.split(separator: "\n").first(where: { $0.hasPrefix("# ") }) else { return fallback }
        return String(heading.dropFirst(2))
    }

    func run() async throws {
        let output = URL(fileURLWithPath: out)
        var reasoners: [StageVersion: any NextEventReasoner] = [:]
        var renderers: [StageVersion: any AnswerRenderer] = [:]
        let selected: [EvaluationRow]
        let metrics: EvaluationMetricNetworks
        do {
            if fake {
                // The scripted reasoner always says the same: the table then measures the plumbing, not a model.
                reasoners = [.base: ScriptedReasoner(answers: ["[Think]Something happens.[/Think][Ans]Something moves.[/Ans]"]),
                             .sft: ScriptedReasoner()]
                renderers = [.base: PatternRenderer(frameCount: 17), .sft: PatternRenderer(frameCount: 17)]
            } else {
                if let vlm { reasoners[.sft] = try Self.makeReasoner(directory: URL(fileURLWithPath: vlm)) }
                if let baseVlm { reasoners[.base] = try Self.makeReasoner(directory: URL(fileURLWithPath: baseVlm)) }
                if let vdm { renderers[.sft] = try Self.makeRenderer(directory: URL(fileURLWithPath: vdm)) }
                if let baseVdm { renderers[.base] = try Self.makeRenderer(directory: URL(fileURLWithPath: baseVdm)) }
            }
            if let rows {
                selected = try EvaluationRow.parse(rows)
            } else {
                selected = EvaluationRow.all.filter { row in
                    (row.reasoner.map { reasoners[$0] != nil } ?? true) && renderers[row.renderer] != nil
                }
                guard !selected.isEmpty else {
                    throw PipelineError.invalidInput("no row can run: give --vlm and --vdm (and --base-vlm/--base-vdm for the cascades), or --fake")
                }
            }
            metrics = try metricNetworks()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var settings = EvaluationSettings()
        settings.limit = limit
        settings.seed = seed
        settings.bootstrapResamples = bootstrap
        settings.multipleReferences = allWordings
        do {
            let evaluation = try TableEvaluation(settings: settings, rows: selected, reasoners: reasoners, renderers: renderers, metrics: metrics)
            try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
            var bar: ProgressBar?
            let table = try evaluation.run(data: URL(fileURLWithPath: data), output: output) { done, total in
                if bar == nil && !json { bar = ProgressBar(total: total, label: "eval") }
                bar?.advance()
            }
            bar?.finish()
            try EvaluationReport.write(table, to: output)
            if json {
                print(String(decoding: try EvaluationReport.json(table), as: UTF8.self))
            } else {
                print(EvaluationReport.markdown(table))
                print("Wrote \(output.appendingPathComponent("table.md").path), table.json, report.html and samples.jsonl (\(table.records.count) lines) in \(String(format: "%.0f", table.seconds)) s")
            }
        } catch let error as PipelineError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(3)
        }
    }
}
