// `vans experiment ablation`: the paper's Table 2 (§5.3) on VANS-Synth through AblationStudy — every row trained
// from the SFT models per seed, stage-1 results shared with the stage-2 rows.
import ArgumentParser
import Foundation
import VANS

struct ExperimentAblationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablation",
        abstract: "Train every Table-2 row (Joint-GRPO, its stages and ablations) from the SFT models, for several seeds.",
        discussion: """
            Runs \(AblationStudy.rows.filter { $0 != "sft" }.joined(separator: ", ")) under OUT/seed-K/, training each \
            job once and sharing what rows share (stage 1's VLM anchors every stage-2 row; stage 1 + 2 and the cascade \
            reuse trained models). A job whose models exist is not trained again, so an interrupted study continues. \
            Writes OUT/rows.json (the models of every row and seed). With --eval-data, every row and seed is then evaluated \
            as Table 1's VANS row (caption metrics, CLIP-V and CLIP-T with --clip, FVD with --i3d) on the first \
            --eval-limit procedural and predictive samples, and OUT/table2.md and table2.json give the mean and the \
            95 % confidence half-width over seeds.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Training data: a VANS dataset folder (manifest.jsonl).", valueName: "DIR"))
    var data: String

    @Option(name: .long, help: ArgumentHelp("The SFT VLM directory.", valueName: "DIR"))
    var vlm: String

    @Option(name: .long, help: ArgumentHelp("The SFT VDM directory (diffusers Wan pipeline).", valueName: "DIR"))
    var vdm: String

    @Option(name: .long, help: ArgumentHelp("The CLIP directory for the video rewards.", valueName: "DIR"))
    var clip: String

    @Option(name: .long, help: ArgumentHelp("The study's directory.", valueName: "DIR"))
    var out: String

    @Option(name: .long, help: "Seeds per row (confidence intervals need at least 2).")
    var seeds = 1

    @Option(name: .long, help: "quick (seconds per row, a smoke run) or full (the study's sizes).")
    var profile = "quick"

    @Option(name: .long, help: "VLM sampling temperature of the rollouts (default: the profile's 0.3; decision 15's 1.0 gives the VANS-Synth VLM no completion in the answer format).")
    var temperature: Float?

    @Option(name: .long, help: ArgumentHelp("Evaluation split (manifest.jsonl); without it the rows are trained only.", valueName: "DIR"))
    var evalData: String?

    @Option(name: .long, help: "Evaluation samples per category.")
    var evalLimit = 20

    @Option(name: .long, help: ArgumentHelp("I3D weights (file or pretrain-metrics i3d/ directory) for FVD in the evaluation.", valueName: "PATH"))
    var i3d: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        var profile = try AblationProfile.named(self.profile)
        if let temperature { profile.temperature = temperature }
        let inputs = GRPORunInputs(data: URL(fileURLWithPath: data), vlm: URL(fileURLWithPath: vlm), vdm: URL(fileURLWithPath: vdm),
                                   clip: URL(fileURLWithPath: clip))
        let output = URL(fileURLWithPath: out)
        var evaluation: AblationTableEvaluation?
        if let evalData {
            var settings = EvaluationSettings()
            settings.limit = evalLimit
            evaluation = AblationTableEvaluation(data: URL(fileURLWithPath: evalData), output: output.appendingPathComponent("evaluation"),
                                                 settings: settings, metrics: try EvalCommand.metricNetworks(clip: clip, i3d: i3d))
        }
        let report = try AblationStudy.run(profile: profile, inputs: inputs, seeds: seeds, output: output,
                                           evaluation: evaluation, progress: { message in
            if !json { FileHandle.standardError.write(Data("\(message)\n".utf8)) }
        })
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("trained \(report.models.count) rows × \(seeds) seed(s): \(URL(fileURLWithPath: out).appendingPathComponent("rows.json").path)")
        }
    }
}
