// Mirrors transformers' Qwen2_5_VLForConditionalGeneration.forward(labels=...) as TRL's SFTTrainer calls it with
// `assistant_only_loss`: the chat prompt with its video, then the assistant's answer; next-token cross-entropy on the
// answer tokens only. Also the from-scratch setup (`_init_weights`: normal(0, initializer_range), norms at 1).
//
// Shape legend: L tokens, C hidden width, V vocabulary.
import Checkpoints
import Foundation
import NN
import Tensor

/// One supervised example: a processed prompt (ids with vision pads, its video patches) followed by the answer.
public struct QwenVLTrainingExample: Sendable {
    /// The prompt as the processor makes it, ending with the open assistant turn.
    public var prompt: QwenVLPrompt
    /// The answer's token ids, the closing `<|im_end|>` included (it is what teaches the model to stop).
    public var answerIDs: [Int]

    public init(prompt: QwenVLPrompt, answerIDs: [Int]) {
        self.prompt = prompt
        self.answerIDs = answerIDs
    }

    /// Prompt then answer, one row.
    public var tokens: [Int] { prompt.inputIDs + answerIDs }
}

extension QwenVLProcessor {
    /// A training example: `question` about `video` (already processed), answered by `answer`, closed by
    /// `<|im_end|>` as the chat template closes an assistant turn.
    public func trainingExample(question: String, video: QwenVLVideoInput?, answer: String) throws -> QwenVLTrainingExample {
        let prompt = try prepare(question: question, video: video)
        guard let end = tokenizer.id(for: ChatTemplate.imEnd) else {
            throw QwenVLError.invalidInput("the tokenizer has no \(ChatTemplate.imEnd) token")
        }
        let answerIDs = try tokenizer.encode(answer, addSpecialTokens: false) + [end]
        return QwenVLTrainingExample(prompt: prompt, answerIDs: answerIDs)
    }
}

extension QwenVLModel {
    /// A model of `configuration` with fresh weights as transformers' `_init_weights` draws them: every weight
    /// normal(0, `initializerRange`), biases 0, norm gains 1; with tied embeddings the head shares the embedding.
    public static func randomlyInitialized(configuration: QwenVLConfiguration, seed: UInt64,
                                           initializerRange: Float = 0.02) throws -> QwenVLModel {
        let model = QwenVLModel(configuration: configuration)
        var generator = RandomGenerator(seed: seed)
        var weights: [String: Tensor] = [:]
        for (key, shape) in model.parameterShapes().sorted(by: { $0.key < $1.key }) {
            if key == "lm_head.weight" && configuration.text.tieWordEmbeddings { continue }
            let isNorm = key.contains("norm") || key.contains("ln_q")
            if key.hasSuffix(".bias") {
                weights[key] = Tensor.zeros(shape)
            } else if isNorm {
                weights[key] = Tensor.ones(shape)
            } else {
                weights[key] = generator.normal(shape, standardDeviation: initializerRange)
            }
        }
        try model.load(weights: weights)
        return model
    }

    /// Makes every weight trainable for full training. With tied embeddings the head is frozen and
    /// ``trainingLogits(_:)`` reads the embedding, so the one shared matrix gets one summed gradient
    /// (call ``retieHead()`` after each optimizer step).
    public func prepareFullTraining() throws {
        try unfreeze()
        if configuration.text.tieWordEmbeddings { try freeze(["lm_head"]) }
    }

    /// Points the head at the (updated) embedding again when the embeddings are tied.
    public func retieHead() throws {
        guard configuration.text.tieWordEmbeddings else { return }
        try update(parameters: ["lm_head.weight": languageModel.embedding.weight])
    }

    /// Logits [B, L, V] from final hidden states [B, L, C]; the tied head multiplies by the embedding parameter
    /// itself so its gradient reaches the shared matrix.
    public func trainingLogits(_ hidden: Tensor) -> Tensor {
        configuration.text.tieWordEmbeddings ? hidden.linear(weight: languageModel.embedding.weight) : head(hidden)
    }

    /// Summed next-token cross-entropy of `example`'s answer tokens and how many there are: the model reads
    /// prompt + answer and position i predicts token i + 1 (labels −100 over the prompt, as TRL masks it).
    /// Gradients reach the vision tower through the scattered features.
    public func answerLoss(_ example: QwenVLTrainingExample, recompute: Bool = false) throws -> (sum: Tensor, count: Int) {
        var input = example.prompt.modelInput
        let tokens = example.tokens
        input.tokens = [tokens]
        let (ids, state) = try prepare(input)
        var running = state
        let hidden = recompute ? recomputingHiddenStates(ids, state: &running)
            : hiddenStates(ids, caches: nil, state: &running)                                      // [1, L, C]
        let promptLength = example.prompt.inputIDs.count, length = tokens.count
        // Only the positions that predict an answer token: [promptLength − 1, L − 1).
        let predicting = hidden.sliced(axis: 1, start: promptLength - 1, end: length - 1).squeezed(0)  // [A, C]
        let logits = trainingLogits(predicting)                                                    // [A, V]
        let targets = Tensor(indices: Array(tokens[promptLength...]), shape: [length - promptLength])
        return (logits.crossEntropy(targets: targets, reduction: .sum), length - promptLength)
    }

    /// The weights to save as `model.safetensors` (float32) in transformers' layout: without the tied head, and
    /// the patch embedding as the Conv3d kernel it is there ([C_out, C_in, t, p, p]; our Linear holds it flattened).
    public func savableWeights() -> [String: Tensor] {
        var weights = parameters().mapValues { $0.detached().converted(to: .float32) }
        if configuration.text.tieWordEmbeddings { weights["lm_head.weight"] = nil }
        let key = "model.visual.patch_embed.proj.weight", vision = configuration.vision
        if let flat = weights[key] {
            weights[key] = flat.reshaped([flat.shape[0], vision.inputChannels, vision.temporalPatchSize,
                                          vision.patchSize, vision.patchSize]).contiguous()  // [C_out, C_in, t, p, p]
        }
        return weights
    }
}
