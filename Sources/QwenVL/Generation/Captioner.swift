// Mirrors the Qwen2.5-VL model card's inference recipe (processor → model.generate → batch_decode) for a model
// directory: config.json, safetensors weights, tokenizer, generation_config.json, optionally a PEFT adapter.
import Checkpoints
import Foundation
import NN
import Tensor
import Tokenizers

/// A loaded model directory ready to answer questions about videos and images; one instance serves many
/// ``caption(question:videoPath:imagePath:options:progress:)`` calls (each is its own request).
public final class QwenVLCaptioner {
    /// The loaded model (read only by requests).
    public let model: QwenVLModel
    /// The directory's tokenizer.
    public let tokenizer: Tokenizer
    /// Prompt building and vision preprocessing, following the model's vision sizes.
    public var processor: QwenVLProcessor
    /// `eos_token_id` of generation_config.json (or config.json).
    public let stopTokens: Set<Int>
    /// The adapters loaded from `adapter`, merged into the base weights.
    public let adapters: LoRAAdapters?

    /// What one phase of ``caption(question:videoPath:imagePath:options:progress:)`` is doing.
    public enum Phase: Sendable, Equatable {
        case preparingInput
        case prefill(promptTokens: Int)
        case decode(generated: Int, maximum: Int)
    }

    /// One caption call's outputs.
    public struct Caption {
        /// The processed prompt (ids, vision tensors).
        public var prompt: QwenVLPrompt
        /// Tokens, log-probabilities and phase timings.
        public var result: QwenVLGenerationResult
        /// Each rollout's text (stop token excluded, special tokens kept out).
        public var texts: [String]
        /// Seconds spent sampling frames, resizing and patchifying.
        public var inputSeconds: Double
    }

    /// Loads `directory` (weights in their stored dtype, memory-mapped), its tokenizer and stop tokens, and merges
    /// the PEFT adapter in `adapter` when given.
    public init(directory: URL, adapter: URL? = nil, options: QwenVLProcessor.Options = .paperEvaluation,
                systemPrompt: String? = ChatTemplate.vansSystemPrompt) throws {
        let model = try QwenVLModel.load(directory: directory)
        let configuration = model.configuration
        self.model = model
        tokenizer = try Tokenizer(directory: directory)
        for token in [ChatTemplate.imStart, ChatTemplate.imEnd, ChatTemplate.videoPad, ChatTemplate.imagePad] where tokenizer.id(for: token) == nil {
            throw QwenVLError.invalidInput("\(directory.path)/tokenizer.json has no \(token) token")
        }
        guard tokenizer.id(for: ChatTemplate.videoPad) == configuration.videoTokenId,
              tokenizer.id(for: ChatTemplate.imagePad) == configuration.imageTokenId else {
            throw QwenVLError.invalidInput("\(directory.path): the tokenizer's vision pad ids differ from config.json's video_token_id/image_token_id")
        }
        processor = QwenVLProcessor(tokenizer: tokenizer, options: options, systemPrompt: systemPrompt, vision: configuration.vision)
        stopTokens = try QwenVLStopTokens.load(directory: directory, configuration: configuration)
        if let adapter {
            let loaded = try QwenVLLoRA.load(into: model, from: adapter).adapters
            loaded.merge()
            adapters = loaded
        } else {
            adapters = nil
        }
    }

    /// Answers `question` about a video and/or image file: G rollouts from one prefill, decoded to text.
    /// `options.stopTokens` empty means the directory's stop tokens.
    public func caption(question: String, videoPath: String?, imagePath: String? = nil, options: QwenVLSamplingOptions,
                        progress: ((Phase) -> Void)? = nil) throws -> Caption {
        progress?(.preparingInput)
        let started = Date()
        let prompt = try processor.prepare(question: question, videoPath: videoPath, imagePath: imagePath)
        let inputSeconds = Date().timeIntervalSince(started)
        var sampling = options
        if sampling.stopTokens.isEmpty { sampling.stopTokens = stopTokens }
        if sampling.vocabularyLimit == nil { sampling.vocabularyLimit = tokenizer.vocabularySize }
        var request = QwenVLRequest(input: prompt.modelInput, options: sampling)
        progress?(.prefill(promptTokens: prompt.inputIDs.count))
        try request.start(model: model)
        let result = try request.run(model: model) { progress?(.decode(generated: $0, maximum: sampling.maximumTokens)) }
        let texts = result.completions.map {
            tokenizer.decode($0.contentTokens(stopTokens: sampling.stopTokens), skipSpecialTokens: true)
        }
        return Caption(prompt: prompt, result: result, texts: texts, inputSeconds: inputSeconds)
    }
}
