// One Joint-GRPO run from model directories to trained model directories: loads what the row's phases need (the VLM
// with adapters when a phase trains it, frozen when it only writes anchors; the same for the VDM), trains, and
// writes each trained model as a complete directory of its kind (ISSUE13.md's contract) under OUT/models/.
import CLIP
import Foundation
import VideoMetrics

/// The inputs of a run.
public struct GRPORunInputs: Sendable {
    public var data: URL
    public var vlm: URL?
    public var vdm: URL?
    public var clip: URL?
    /// At most this many training samples (manifest order).
    public var limit: Int?

    public init(data: URL, vlm: URL? = nil, vdm: URL? = nil, clip: URL? = nil, limit: Int? = nil) {
        self.data = data
        self.vlm = vlm
        self.vdm = vdm
        self.clip = clip
        self.limit = limit
    }
}

/// What a run produced: its log and the model directories a Table-1 evaluation reads (the inputs for models it did
/// not train).
public struct GRPORunResult: Sendable {
    public var log: [[String: Double]]
    public var vlm: URL?
    public var vdm: URL?
}

public enum GRPORun {
    /// Trains `parameters.row` on `inputs` into `output` (resuming with `resume`); `progress` sees every step.
    /// `embedder` replaces the CLIP model of `inputs.clip` (tests inject a small one).
    public static func run(_ parameters: GRPOParameters, inputs: GRPORunInputs, output: URL, resume: Bool,
                           embedder override: (any VideoEmbedding)? = nil,
                           progress: ((Int, Int, [String: Double]) -> Void)? = nil) throws -> GRPORunResult {
        try parameters.validate()
        let phases = parameters.row.phases
        let trainsVLM = phases.contains { $0.trains != .vdm }, needsVLM = trainsVLM || phases.contains { $0.captions == .anchor }
        let trainsVDM = phases.contains { $0.trains != .vlm }, needsVDM = trainsVDM || phases.contains(where: \.rendersVideo)
        func missing(_ name: String, _ why: String) -> TrainingError {
            .invalidOption(name: name, reason: "row \(parameters.row.name) \(why)")
        }
        if needsVLM, inputs.vlm == nil { throw missing("vlm", "needs a VLM directory") }
        if needsVDM, inputs.vdm == nil { throw missing("vdm", "needs a VDM directory") }
        if phases.contains(where: \.rendersVideo), inputs.clip == nil, override == nil { throw missing("clip", "scores videos: it needs a CLIP directory") }

        let samples = try GRPOData.load(inputs.data, limit: inputs.limit)
        let text = try needsVLM ? QwenVLTextPolicy(directory: inputs.vlm!, lora: trainsVLM ? (parameters.vlmLoRARank, parameters.vlmLoRAAlpha) : nil,
                                                   seed: parameters.seed) : nil
        let video = try needsVDM ? WanVideoPolicy(directory: inputs.vdm!, lora: trainsVDM ? (parameters.vdmLoRARank, parameters.vdmLoRAAlpha) : nil,
                                                  seed: parameters.seed) : nil
        let embedder: (any VideoEmbedding)? = try override ?? inputs.clip.map { CLIPVideoEmbedder(clip: try CLIPBundle.load(directory: $0)) }
        let trainer = JointGRPOTrainer(parameters: parameters, samples: samples, textPolicy: text, videoPolicy: video, embedder: embedder,
                                       maximumNewTokens: parameters.maximumNewTokens ?? text?.profile.maximumNewTokens ?? 512)
        if let text { trainer.format = AnswerFormat(style: text.profile.answerFormat) }
        var recorded: [String: String] = ["data": inputs.data.path]
        recorded["vlm"] = inputs.vlm?.path ?? ""
        recorded["vdm"] = inputs.vdm?.path ?? ""
        recorded["clip"] = inputs.clip?.path ?? ""
        recorded["limit"] = inputs.limit.map { String($0) } ?? ""
        trainer.inputs = recorded
        trainer.progress = progress
        let log = try trainer.train(directory: output, resume: resume)
        var result = GRPORunResult(log: log, vlm: inputs.vlm, vdm: inputs.vdm)
        if let text, trainsVLM, let source = inputs.vlm {
            result.vlm = output.appendingPathComponent("models/vlm")
            try text.export(from: source, to: result.vlm!)
        }
        if let video, trainsVDM, let source = inputs.vdm {
            result.vdm = output.appendingPathComponent("models/vdm")
            try video.export(from: source, to: result.vdm!)
        }
        return result
    }
}
