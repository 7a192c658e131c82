// A tiny size of transformers' Qwen2_5_VLConfig (configuration_qwen2_5_vl.py) for the VANS-Synth world:
// the same architecture as Qwen2.5-VL-3B, scaled down so it trains on a laptop CPU.
import Checkpoints
import Foundation
import Tokenizers

/// A named size of the Qwen2.5-VL architecture with the processor profile that goes with it.
///
/// ``vansSynth(tokenizer:)`` is the model the synthetic-world training starts from: 64×64 VANS-Synth clips at
/// 8 fps are sampled at 2 fps and resized to 56×56 (a 4×4 patch grid, 4 language tokens per pair of frames), a
/// 4-block vision tower of width 64 (one 56-pixel window per frame, blocks 1 and 3 full-frame) feeds a 4-layer
/// decoder of width 128 (4 query heads, 2 key/value heads, head size 32, M-RoPE sections [4, 6, 6]) whose
/// vocabulary is the tokenizer's — one trained on the synthetic set by `vans train-tokenizer`, so every token
/// id, including the chat and vision tokens, comes from that tokenizer. About 1.6 M parameters with a 4k
/// vocabulary.
///
/// ```swift
/// let tokenizer = try Tokenizer(directory: URL(fileURLWithPath: "synth-tokenizer"))
/// let preset = try QwenVLPreset.vansSynth(tokenizer: tokenizer)
/// try preset.write(to: URL(fileURLWithPath: "synth-vlm"))   // config.json + generation_config.json
/// ```
public struct QwenVLPreset: Sendable, Equatable {
    /// A short name (`vans-synth`).
    public var name: String
    /// The model configuration (validated by the constructors).
    public var configuration: QwenVLConfiguration
    /// How inputs are prepared for this size.
    public var processorOptions: QwenVLProcessor.Options
    /// Token ids that end generation (`<|im_end|>`, `<|endoftext|>`), as generation_config.json lists them.
    public var stopTokenIDs: [Int]

    /// The VANS-Synth preset for a tokenizer in the Qwen2.5-VL layout (it must hold the chat and vision tokens).
    public static func vansSynth(tokenizer: Tokenizer) throws -> QwenVLPreset {
        func id(_ token: String) throws -> Int {
            guard let id = tokenizer.id(for: token) else {
                throw QwenVLError.invalidInput("the tokenizer has no \(token) token; train it with `vans train-tokenizer` (Qwen2.5-VL layout)")
            }
            return id
        }
        var configuration = QwenVLConfiguration()
        configuration.text = synthText(vocabularySize: tokenizer.vocabularySize,
                                       endOfText: try id("<|endoftext|>"), endOfTurn: try id("<|im_end|>"))
        configuration.vision = synthVision
        configuration.imageTokenId = try id(ChatTemplate.imagePad)
        configuration.videoTokenId = try id(ChatTemplate.videoPad)
        configuration.visionStartTokenId = try id(ChatTemplate.visionStart)
        configuration.visionEndTokenId = try id(ChatTemplate.visionEnd)
        do { try configuration.validate() } catch { throw QwenVLError.invalidInput("vans-synth preset: \(error)") }
        var options = QwenVLProcessor.Options()
        options.fps = 2
        options.videoMinPixels = 56 * 56
        options.videoMaxPixels = 56 * 56
        options.imageMinPixels = 56 * 56
        options.imageMaxPixels = 56 * 56
        return QwenVLPreset(name: "vans-synth", configuration: configuration, processorOptions: options,
                            stopTokenIDs: [configuration.text.eosTokenId, configuration.text.bosTokenId])
    }

    static func synthText(vocabularySize: Int, endOfText: Int, endOfTurn: Int) -> QwenTextConfiguration {
        var text = QwenTextConfiguration()
        text.vocabularySize = vocabularySize
        text.hiddenSize = 128
        text.intermediateSize = 352
        text.hiddenLayers = 4
        text.attentionHeads = 4
        text.keyValueHeads = 2
        text.maxPositionEmbeddings = 4096
        text.rmsNormEpsilon = 1e-6
        text.ropeTheta = 1_000_000
        text.mropeSection = [4, 6, 6]  // head size 32: 16 frequencies split t/h/w like the 3B's [16, 24, 24]
        text.tieWordEmbeddings = true
        text.bosTokenId = endOfText
        text.eosTokenId = endOfTurn
        text.eosTokenIds = [endOfTurn]
        return text
    }

    static var synthVision: QwenVisionConfiguration {
        var vision = QwenVisionConfiguration()
        vision.depth = 4
        vision.hiddenSize = 64
        vision.intermediateSize = 160
        vision.attentionHeads = 4
        vision.windowSize = 56
        vision.fullAttentionBlockIndexes = [1, 3]
        vision.outHiddenSize = 128
        vision.tokensPerSecond = 2
        return vision
    }

    /// The `config.json` transformers and our loader both read: the nested `text_config` layout with
    /// `model_type` and `architectures`, so `Qwen2_5_VLForConditionalGeneration.from_pretrained` accepts it too.
    public func configJSON() throws -> Data {
        let encoded = try JSONEncoder().encode(configuration)
        guard var object = try JSONSerialization.jsonObject(with: encoded) as? [String: Any],
              var text = object["text_config"] as? [String: Any],
              var vision = object["vision_config"] as? [String: Any] else {
            throw QwenVLError.invalidInput("vans-synth preset: configuration did not encode to an object")
        }
        text["model_type"] = "qwen2_5_vl_text"
        vision["model_type"] = "qwen2_5_vl"
        object["text_config"] = text
        object["vision_config"] = vision
        object["model_type"] = "qwen2_5_vl"
        object["architectures"] = ["Qwen2_5_VLForConditionalGeneration"]
        object["tie_word_embeddings"] = configuration.text.tieWordEmbeddings
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// `generation_config.json`: the stop tokens (greedy by default, as the paper evaluates).
    public func generationConfigJSON() throws -> Data {
        let object: [String: Any] = ["eos_token_id": stopTokenIDs, "pad_token_id": configuration.text.bosTokenId,
                                     "bos_token_id": configuration.text.bosTokenId, "do_sample": false]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// Writes `config.json` and `generation_config.json` into `directory` (created if missing).
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try configJSON().write(to: directory.appendingPathComponent("config.json"), options: .atomic)
        try generationConfigJSON().write(to: directory.appendingPathComponent("generation_config.json"), options: .atomic)
    }
}
