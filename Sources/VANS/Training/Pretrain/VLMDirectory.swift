// Writes a VANS-Synth VLM directory in the Qwen2.5-VL Hugging Face layout (what QwenVLCaptioner(directory:) and
// transformers' from_pretrained read) plus vans_profile.json and a README.md model card (ISSUE13.md contract).
import Checkpoints
import Foundation
import QwenVL

/// The processing profile a VANS-Synth VLM directory records in `vans_profile.json`.
extension ReasonerProfile {
    /// The VANS-Synth VLM's profile: `preset`'s frame rate and per-frame pixel budget, answers of at most 128 tokens.
    public static func vansSynth(preset: QwenVLPreset) -> ReasonerProfile {
        let options = preset.processorOptions
        return ReasonerProfile(profile: "vans-synth", fps: options.fps, minimumPixels: options.videoMinPixels,
                               maximumPixels: options.videoMaxPixels ?? options.videoMinPixels, maximumNewTokens: 128,
                               answerFormat: .bracketTags)
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
        try encoder.encode(ReasonerProfile.vansSynth(preset: preset)).write(to: directory.appendingPathComponent("vans_profile.json"), options: .atomic)
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
