// `vans train grpo`: one row of Table 2 (paper §4.2, App. B–C) through JointGRPOTrainer, from SFT model directories.
import ArgumentParser
import Foundation
import Support
import VANS

/// `vans train grpo`: one row of the paper's Table 2 (Joint-GRPO, its stages and ablations) from SFT models.
struct TrainGRPOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grpo",
        abstract: "Joint-GRPO (paper §4.2): train the VLM and/or the VDM with one Table-2 row's rewards.",
        discussion: """
            Rows: \(GRPORow.all.map(\.name).joined(separator: ", ")). A row is a list of phases run in order \
            (stage1+2 = stage 1 on the VLM, then stage 2 on the VDM with the trained VLM as frozen anchor). Every \
            knob and its paper default is written to OUT/config.json; OUT/log.jsonl has every reward component, the \
            total, thinking length, KL, clip fraction, advantage statistics and step time per step; OUT/curves.svg and \
            OUT/figure9.svg (the paper's Figure 9 panels) are rewritten at each checkpoint. A killed run continues \
            exactly with --resume. At the end the trained models are written as complete model directories to \
            OUT/models/vlm and OUT/models/vdm.
            """
    )

    @Option(name: .long, help: "The Table-2 row to train.")
    var row: String

    @Option(name: .long, help: ArgumentHelp("Training data: a VANS dataset folder (manifest.jsonl) or manifest file.", valueName: "DIR"))
    var data: String

    @Option(name: .long, help: ArgumentHelp("The VLM directory (Hugging Face Qwen2.5-VL layout, optional adapter/ and vans_profile.json).", valueName: "DIR"))
    var vlm: String?

    @Option(name: .long, help: ArgumentHelp("The VDM directory (diffusers Wan pipeline, optional vans_profile.json).", valueName: "DIR"))
    var vdm: String?

    @Option(name: .long, help: ArgumentHelp("The CLIP directory for the video rewards (CLIP-V, CLIPScore).", valueName: "DIR"))
    var clip: String?

    @Option(name: .long, help: ArgumentHelp("The run directory (config.json, log.jsonl, curves, checkpoints, models/).", valueName: "DIR"))
    var out: String

    @Option(name: .long, help: "Steps of every phase (default: the paper's, 800 for stage 1 and 1000 for stage 2).")
    var steps: Int?

    @Option(name: .long, help: "Group size G, samples per prompt (paper: 8).")
    var group: Int?

    @Option(name: .long, help: "Learning rate (paper: 5e-5).")
    var lr: Double?

    @Option(name: .long, help: "Seed of data order, sampling and noise.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Prompts (groups) per optimiser step (default 1).")
    var promptsPerStep: Int?

    @Option(name: .long, help: "SDE steps of a VDM rollout (default 20).")
    var sdeSteps: Int?

    @Option(name: .long, help: "Classifier-free guidance in VDM rollouts and recomputation (default 4.5; ≤ 1 turns it off).")
    var guidance: Float?

    @Option(name: .long, help: "VLM sampling temperature τ of the G completions (decision 15: 1.0).")
    var temperature: Float?

    @Option(name: .long, help: "VLM nucleus sampling top-p (decision 15: 1.0).")
    var topP: Float?

    @Option(name: .long, help: "Use at most this many training samples (in manifest order).")
    var limit: Int?

    @Option(name: .long, help: "Checkpoint every this many steps (default 50).")
    var checkpointEvery: Int?

    @Option(name: .long, help: "Stage 2: anchor captions below this ROUGE-L against the ground truth are regenerated, then dropped (paper: 0.6).")
    var anchorThreshold: Double?

    @Flag(name: .long, help: "Score and render outputs that fail the [Think]/[Ans] format too (decision 7 gives them 0 and no render).")
    var noFormatGate = false

    @Flag(name: .long, help: "Continue the run in --out from its latest checkpoint (same settings).")
    var resume = false

    @Flag(name: .long, help: "Print a JSON summary instead of progress and a sentence.")
    var json = false

    func run() async throws {
        let started = Date()
        var parameters = GRPOParameters(row: try GRPORow.named(row))
        parameters.seed = seed
        if let steps { parameters.setStepsPerPhase(steps) }
        if let group { parameters.groupSize = group }
        if let lr { parameters.learningRate = lr }
        if let promptsPerStep { parameters.promptsPerStep = promptsPerStep }
        if let sdeSteps { parameters.sdeSteps = sdeSteps }
        if let guidance { parameters.trainingGuidance = guidance }
        if let temperature { parameters.temperature = temperature }
        if let topP { parameters.topP = topP }
        if let checkpointEvery { parameters.checkpointEvery = checkpointEvery }
        if noFormatGate { parameters.formatGate = false }
        if let anchorThreshold { parameters.anchorThreshold = anchorThreshold }
        let bar = json ? nil : ProgressBar(total: parameters.totalSteps, label: "grpo \(row)")
        var reported = 0
        let output = URL(fileURLWithPath: out)
        let inputs = GRPORunInputs(data: URL(fileURLWithPath: data), vlm: vlm.map { URL(fileURLWithPath: $0) },
                                   vdm: vdm.map { URL(fileURLWithPath: $0) }, clip: clip.map { URL(fileURLWithPath: $0) }, limit: limit)
        let result = try GRPORun.run(parameters, inputs: inputs, output: output, resume: resume) { step, _, _ in
            bar?.advance(by: step - reported)
            reported = step
        }
        bar?.finish()
        let log = result.log
        var models: [String: String] = [:]
        if let vlm = result.vlm, vlm.path != self.vlm.map({ URL(fileURLWithPath: $0).path }) { models["vlm"] = vlm.path }
        if let vdm = result.vdm, vdm.path != self.vdm.map({ URL(fileURLWithPath: $0).path }) { models["vdm"] = vdm.path }
        let last = log.last ?? [:]
        if json {
            let summary: [String: Any] = ["row": row, "out": output.path, "steps": log.count, "seconds": Date().timeIntervalSince(started),
                                          "last": last, "models": models]
            print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        } else {
            let totals = ["r1_total", "r2_total"].compactMap { key in last[key].map { "\(key) \(String(format: "%.4f", $0))" } }
            print("trained \(row) for \(log.count) steps in \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
                  + (totals.isEmpty ? "" : " (last step: \(totals.joined(separator: ", ")))") + ": \(output.path)")
        }
    }
}
