// Mirrors transformers' `Qwen2_5_VLForConditionalGeneration.from_pretrained` for a local directory:
// config.json (hub or nested `text_config` form), one `model.safetensors` or a sharded
// `model.safetensors.index.json`, either key layout through `CheckpointRules.qwen25VL`.
import Checkpoints
import Foundation
import NN
import Tensor

extension QwenVLModel {
    /// Loads a Hugging Face Qwen2.5-VL directory. Weights keep their stored dtype and are memory-mapped
    /// (bf16 checkpoints are not copied to float32) unless `dtype` asks for another (as `from_pretrained`'s
    /// `dtype`); every unused, missing or mis-shaped key is an error naming it.
    ///
    /// - Throws: `CheckpointError` for the config or safetensors files, `NNError` for key mismatches,
    ///   `QwenVLError.invalidModelDirectory` when no weights are found.
    public static func load(directory: URL, dtype: DType? = nil) throws -> QwenVLModel {
        let configuration = try QwenVLConfiguration.load(from: directory.appendingPathComponent("config.json"))
        let model = QwenVLModel(configuration: configuration)
        try model.load(weights: try checkpoint(in: directory).allTensors(mapped: true), dtype: dtype)
        return model
    }

    /// The weights of `directory`: the sharded index when present, else `model.safetensors`.
    static func checkpoint(in directory: URL) throws -> SafetensorsCheckpoint {
        let manager = FileManager.default
        if manager.fileExists(atPath: directory.appendingPathComponent(SafetensorsCheckpoint.indexFileName).path) {
            return try SafetensorsCheckpoint(url: directory)
        }
        let single = directory.appendingPathComponent("model.safetensors")
        guard manager.fileExists(atPath: single.path) else {
            throw QwenVLError.invalidModelDirectory(path: directory.path,
                                                    reason: "neither \(SafetensorsCheckpoint.indexFileName) nor model.safetensors exists")
        }
        return try SafetensorsCheckpoint(url: single)
    }
}
