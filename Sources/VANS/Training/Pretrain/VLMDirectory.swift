// Writes a VANS-Synth VLM directory in the Qwen2.5-VL Hugging Face layout (what QwenVLCaptioner(directory:) and
// transformers' from_pretrained read) plus vans_profile.json and a README.md model card (ISSUE13.md contract).
import Checkpoints
import Foundation
import QwenVL

/// The processing profile a VANS-Synth VLM directory records in `vans_profile.json`.
public struct VLMProfile: Codable, Sendable, Equatable {
    public var profile = "vans-synth"
    public var fps: Double = 2
    public var minPixels = 3136
    public var maxPixels = 3136
    public var maxNewTokens = 128
    public var answerFormat = AnswerFormat.Style.bracketTags.rawValue

    public init() {}

    enum CodingKeys: String, CodingKey {
        case profile, fps
        case minPixels = "min_pixels"
        case maxPixels = "max_pixels"
        case maxNewTokens = "max_new_tokens"
        case answerFormat = "answer_format"
    }

    /// The profile of `preset` (its fps and per-frame pixel budget).
    public init(preset: QwenVLPreset) {
        fps = preset.processorOptions.fps
        minPixels = Int(preset.processorOptions.videoMinPixels)
        maxPixels = Int(preset.processorOptions.videoMaxPixels ?? preset.processorOptions.videoMinPixels)
    }
}

/// Writing VLM directories.
public enum VLMDirectory {
    /// The tokenizer files a Qwen2.5-VL directory carries.
    public static let tokenizerFiles = ["tokenizer.json", "tokenizer_config.json"]

    /// Writes config.json, generation_config.json, model.safetensors (float32), the tokenizer files copied from
    /// `tokenizer`, vans_profile.json and README.md (`card`) into `directory`, replacing what was there.
    public static func write(model: QwenVLModel, preset: QwenVLPreset, tokenizer: URL, to directory: URL, card: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        try preset.write(to: directory)
        try SafetensorsWriter.write(tensors: model.savableWeights(), metadata: ["format": "pt"],
                                    to: directory.appendingPathComponent("model.safetensors"))
        for name in tokenizerFiles {
            let target = directory.appendingPathComponent(name)
            try? manager.removeItem(at: target)
            try manager.copyItem(at: tokenizer.appendingPathComponent(name), to: target)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(VLMProfile(preset: preset)).write(to: directory.appendingPathComponent("vans_profile.json"), options: .atomic)
        try Data(card.utf8).write(to: directory.appendingPathComponent("README.md"), options: .atomic)
    }

    /// Copies every file of `base` (a VLM directory) into `directory`, the adapter folder and the card excepted.
    public static func copyBase(_ base: URL, to directory: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: base.path) where name != "adapter" && name != "README.md" && !name.hasPrefix(".") {
            let target = directory.appendingPathComponent(name)
            try? manager.removeItem(at: target)
            try manager.copyItem(at: base.appendingPathComponent(name), to: target)
        }
    }

    /// The parameter count line of a card.
    static func parameterCount(_ model: QwenVLModel) -> Int {
        model.savableWeights().values.reduce(0) { $0 + $1.elementCount }
    }
}
