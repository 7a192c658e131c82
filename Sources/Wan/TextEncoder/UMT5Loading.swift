// Loading the umT5 encoder from diffusers' `text_encoder/` (config.json + safetensors, possibly sharded) or from
// Wan's official `models_t5_umt5-xxl-enc-bf16.pth` (a torch.save state dict with no config; its shapes give it).
import Checkpoints
import Foundation
import NN
import Tensor

extension UMT5EncoderModel {
    /// Loads a directory holding `config.json` and safetensors, or a single checkpoint file (`.pth`/`.pt` or
    /// `.safetensors`, official or transformers key names) whose configuration is `configuration` or, when nil,
    /// inferred from the tensor shapes (with the official `max_dist` of 128). Weights stay in their stored
    /// dtype and memory-mapped unless `dtype` is given. Unused, missing or mis-shaped keys are errors naming them.
    public static func load(from url: URL, configuration: UMT5Configuration? = nil, dtype: DType? = nil) throws -> UMT5EncoderModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw UMT5Error.invalidCheckpoint(path: url.path, reason: "no such file or directory")
        }
        let weights = try CheckpointFiles.allTensors(at: isDirectory.boolValue ? weightsLocation(in: url) : url, mapped: true)
        let resolved: UMT5Configuration
        if let configuration {
            resolved = configuration
        } else if isDirectory.boolValue {
            resolved = try UMT5Configuration.load(from: url)
        } else {
            resolved = try inferredConfiguration(weights: weights, path: url.path)
        }
        let storedType = weights.values.first { $0.dtype.isFloatingPoint }?.dtype ?? .float32
        let model = UMT5EncoderModel(configuration: resolved, dtype: dtype ?? storedType)
        try model.load(weights: weights, dtype: dtype)
        model.train(false)
        return model
    }

    /// What transformers' `from_pretrained` reads in a directory: the sharded index's shards, else
    /// `model.safetensors`, else (non-standard exports) every `*.safetensors` file.
    static func weightsLocation(in directory: URL) -> URL {
        let single = directory.appendingPathComponent("model.safetensors")
        let index = directory.appendingPathComponent(SafetensorsCheckpoint.indexFileName)
        if !FileManager.default.fileExists(atPath: index.path), FileManager.default.fileExists(atPath: single.path) { return single }
        return directory
    }

    /// The configuration a checkpoint's shapes imply (official Wan or transformers names).
    public static func inferredConfiguration(weights: [String: Tensor], path: String) throws -> UMT5Configuration {
        let shapes = try CheckpointRules.umt5Encoder.plan(shapes: weights.mapValues(\.shape)).mappings.mapValues(\.shape)
        func shape(_ key: String, rank: Int) throws(UMT5Error) -> [Int] {
            guard let shape = shapes[key], shape.count == rank else {
                throw .invalidCheckpoint(path: path, reason: "cannot infer the configuration: '\(key)' is missing or not \(rank)-D")
            }
            return shape
        }
        let prefix = "encoder.block."
        let layers = Set(shapes.keys.compactMap { key -> Int? in
            guard key.hasPrefix(prefix) else { return nil }
            return Int(key.dropFirst(prefix.count).prefix { $0 != "." })
        }).count
        let embedding = try shape("shared.weight", rank: 2)
        let bias = try shape("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", rank: 2)
        let query = try shape("encoder.block.0.layer.0.SelfAttention.q.weight", rank: 2)
        let gate = try shape("encoder.block.0.layer.1.DenseReluDense.wi_0.weight", rank: 2)
        guard bias[1] > 0, query[0] % bias[1] == 0 else {
            throw UMT5Error.invalidCheckpoint(path: path, reason: "q projection \(query) does not split into \(bias[1]) heads")
        }
        var configuration = UMT5Configuration()
        configuration.vocabularySize = embedding[0]
        configuration.modelDimension = embedding[1]
        configuration.layers = layers
        configuration.attentionHeads = bias[1]
        configuration.relativeAttentionBuckets = bias[0]
        configuration.keyValueDimension = query[0] / bias[1]
        configuration.feedForwardDimension = gate[0]
        // Wan's T5RelativeEmbedding fixes max_dist at 128; it is not stored.
        configuration.relativeAttentionMaxDistance = 128
        do { try configuration.validate() } catch {
            throw UMT5Error.invalidCheckpoint(path: path, reason: "inferred configuration is invalid: \(error)")
        }
        return configuration
    }
}
