// `vans train grpo`: one row of Table 2 (paper §4.2, App. B–C) through JointGRPOTrainer, from SFT model directories.
import ArgumentParser
import CLIP
import Foundation
import Support
import VANS
import VideoMetrics

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

    @Option(name: .long, help: "Use at most this many training samples (in manifest order).")
    var limit: Int?

    @Option(name: .long, help: "Checkpoint every this many steps (default 50).")
    var checkpointEvery: Int?

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
        if let checkpointEvery { parameters.checkpointEvery = checkpointEvery }
        try parameters.validate()
        let phases = parameters.row.phases
        let trainsVLM = phases.contains { $0.trains != .vdm }, needsVLM = trainsVLM || phases.contains { $0.captions == .anchor }
        let trainsVDM = phases.contains { $0.trains != .vlm }, needsVDM = trainsVDM || phases.contains(where: \.rendersVideo)
        let needsCLIP = phases.contains(where: \.rendersVideo)
        guard !needsVLM || vlm != nil else { throw ValidationError("row \(row) needs --vlm DIR") }
        guard !needsVDM || vdm != nil else { throw ValidationError("row \(row) needs --vdm DIR") }
        guard !needsCLIP || clip != nil else { throw ValidationError("row \(row) scores videos: it needs --clip DIR") }

        let samples = try GRPOData.load(URL(fileURLWithPath: data), limit: limit)
        let textPolicy = try needsVLM ? QwenVLTextPolicy(directory: URL(fileURLWithPath: vlm!),
                                                         lora: trainsVLM ? (parameters.vlmLoRARank, parameters.vlmLoRAAlpha) : nil,
                                                         seed: seed) : nil
        let videoPolicy = try needsVDM ? WanVideoPolicy(directory: URL(fileURLWithPath: vdm!),
                                                        lora: trainsVDM ? (parameters.vdmLoRARank, parameters.vdmLoRAAlpha) : nil,
                                                        seed: seed) : nil
        let embedder: (any VideoEmbedding)? = try clip.map { CLIPVideoEmbedder(clip: try CLIPBundle.load(directory: URL(fileURLWithPath: $0))) }
        let trainer = JointGRPOTrainer(parameters: parameters, samples: samples, textPolicy: textPolicy, videoPolicy: videoPolicy,
                                       embedder: embedder, maximumNewTokens: parameters.maximumNewTokens ?? textPolicy?.profile.maxNewTokens ?? 512)
        if let textPolicy { trainer.format = AnswerFormat(style: textPolicy.profile.answerFormat) }
        trainer.inputs = ["data": data, "vlm": vlm ?? "", "vdm": vdm ?? "", "clip": clip ?? "", "limit": limit.map(String.init) ?? ""]
        let bar = json ? nil : ProgressBar(total: parameters.totalSteps, label: "grpo \(row)")
        var reported = 0
        trainer.progress = { step, _, _ in
            bar?.advance(by: step - reported)
            reported = step
        }
        let output = URL(fileURLWithPath: out)
        let log = try trainer.train(directory: output, resume: resume)
        bar?.finish()
        var models: [String: String] = [:]
        if let textPolicy, trainsVLM, let vlm {
            let destination = output.appendingPathComponent("models/vlm")
            try textPolicy.export(from: URL(fileURLWithPath: vlm), to: destination)
            models["vlm"] = destination.path
        }
        if let videoPolicy, trainsVDM, let vdm {
            let destination = output.appendingPathComponent("models/vdm")
            try videoPolicy.export(from: URL(fileURLWithPath: vdm), to: destination)
            models["vdm"] = destination.path
        }
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
