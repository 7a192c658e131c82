// The rows of the paper's Table 1 (and Table 4's cascades) that run on VANS-Synth: each a named combination of a
// reasoner, a renderer and render options, run through the pipeline protocols of `Pipeline/Stages.swift`.
import Foundation

/// Which trained version of a stage a row uses.
public enum StageVersion: String, Sendable, Codable, CaseIterable {
    /// The pretrained base model (`--base-vlm`, `--base-vdm`).
    case base
    /// The fine-tuned model (`--vlm`, `--vdm`).
    case sft
}

/// One row of the table.
public struct EvaluationRow: Sendable, Equatable, Codable {
    /// The identifier used by `--rows` and in file names.
    public var id: String
    /// The name printed in the table.
    public var name: String
    /// The reasoner's version; nil for rows without a caption (video extension).
    public var reasoner: StageVersion?
    public var renderer: StageVersion
    /// Whether the renderer sees reference frames of the input.
    public var useReferenceFrames: Bool

    public init(id: String, name: String, reasoner: StageVersion?, renderer: StageVersion, useReferenceFrames: Bool) {
        self.id = id
        self.name = name
        self.reasoner = reasoner
        self.renderer = renderer
        self.useReferenceFrames = useReferenceFrames
    }

    /// Qwen-Wan: base VLM → base VDM, text only (Table 1's cascade of pretrained models).
    public static let baseCascade = EvaluationRow(id: "qwen-wan", name: "Qwen-Wan", reasoner: .base, renderer: .base, useReferenceFrames: false)
    /// Qwen*-Wan: the SFT VLM → base VDM, text only.
    public static let sftReasonerCascade = EvaluationRow(id: "qwen*-wan", name: "Qwen*-Wan", reasoner: .sft, renderer: .base, useReferenceFrames: false)
    /// Qwen*-Wan*: both SFT, without reference-frame conditioning (Table 4).
    public static let sftCascade = EvaluationRow(id: "qwen*-wan*", name: "Qwen*-Wan*", reasoner: .sft, renderer: .sft, useReferenceFrames: false)
    /// VANS (SFT): both SFT, with n reference frames of the input.
    public static let vans = EvaluationRow(id: "vans", name: "VANS (SFT)", reasoner: .sft, renderer: .sft, useReferenceFrames: true)
    /// Video extension (standing in for Video-GPT): the SFT VDM continues the input with an empty caption.
    public static let videoExtension = EvaluationRow(id: "video-extension", name: "Video extension", reasoner: nil, renderer: .sft, useReferenceFrames: true)

    /// Every row, in table order.
    public static let all: [EvaluationRow] = [.videoExtension, .baseCascade, .sftReasonerCascade, .sftCascade, .vans]

    /// The rows named in `list` (comma-separated ids), in table order.
    /// - Throws: `PipelineError.invalidInput` naming an unknown id.
    public static func parse(_ list: String) throws -> [EvaluationRow] {
        let ids = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        if let unknown = ids.first(where: { id in !all.contains { $0.id == id } }) {
            throw PipelineError.invalidInput("unknown row '\(unknown)' (rows: \(all.map(\.id).joined(separator: ", ")))")
        }
        guard !ids.isEmpty else { throw PipelineError.invalidInput("no rows given") }
        return all.filter { ids.contains($0.id) }
    }
}
