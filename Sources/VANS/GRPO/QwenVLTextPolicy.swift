// The VLM policy of Joint-GRPO over Qwen2.5-VL, as TRL's GRPOTrainer uses a peft model: G completions sampled from
// one prefill with each token's log-prob under logits/τ (`_generate_and_score_completions`), teacher-forced logits
// of prompt + completion for the policy (gradient through the LoRA adapters only) and the same with the adapters
// disabled for the reference (`_get_per_token_logps` under `disable_adapter()`).
//
// The starting VLM (an SFT directory = base + PEFT adapter) is folded into plain weights first, so "adapters off"
// is exactly the SFT policy, the KL anchor of Eq. 2 (decision 3).
//
// Shape legend: G completions, P prompt tokens, T longest completion, V vocabulary.
import Checkpoints
import Foundation
import NN
import QwenVL
import Tensor
import Tokenizers

/// Qwen2.5-VL as a `TextPolicy`.
public final class QwenVLTextPolicy: TextPolicy {
    public let model: QwenVLModel
    public let tokenizer: Tokenizer
    public let processor: QwenVLProcessor
    public let stopTokens: Set<Int>
    public let profile: ReasonerProfile
    /// The GRPO adapters (nil for a frozen VLM).
    public let adapters: LoRAAdapters?
    private var prompts: [String: QwenVLPrompt] = [:]

    public var trainableModule: Module { model }
    public var isTrainable: Bool { adapters != nil }

    /// Loads the VLM directory (its `adapter/`, when present, folded into the weights) and, with `lora`, adds fresh
    /// GRPO adapters (r 8, α 32 on every LLM linear layer by default); without, the model is frozen.
    public init(directory: URL, lora: (rank: Int, alpha: Float)?, seed: UInt64 = 0) throws {
        profile = try ReasonerProfile.load(directory: directory)
        model = try QwenVLModel.load(directory: directory)
        tokenizer = try Tokenizer(directory: directory)
        processor = QwenVLProcessor(tokenizer: tokenizer, options: profile.processorOptions,
                                    systemPrompt: AnswerFormat(style: profile.answerFormat).systemPrompt,
                                    vision: model.configuration.vision)
        stopTokens = try QwenVLStopTokens.load(directory: directory, configuration: model.configuration)
        let sft = directory.appendingPathComponent("adapter")
        if FileManager.default.fileExists(atPath: sft.appendingPathComponent("adapter_config.json").path) {
            try Self.fold(try QwenVLLoRA.load(into: model, from: sft).adapters, into: model)
        }
        try model.freeze()
        if let lora {
            var configuration = QwenVLLoRAConfiguration()
            configuration.rank = lora.rank
            configuration.alpha = lora.alpha
            adapters = try QwenVLLoRA.apply(to: model, configuration: configuration, seed: seed)
        } else {
            adapters = nil
        }
    }

    /// Replaces every adapted layer by a plain Linear holding its merged weight (base + (α/r)·B·A).
    static func fold(_ adapters: LoRAAdapters, into model: Module) throws {
        adapters.merge()
        for (key, layer) in adapters.layers {
            try model.replaceModule(at: key, with: Linear(weight: layer.weight, bias: layer.bias))
        }
    }

    /// The processed prompt of `sample` (cached by sample id: frame sampling and patches are done once).
    func prompt(_ sample: GRPOSample) throws -> QwenVLPrompt {
        if let cached = prompts[sample.id] { return cached }
        let prepared = try processor.prepare(question: sample.question, videoPath: sample.inputVideo.path)
        prompts[sample.id] = prepared
        return prepared
    }

    public func sample(_ sample: GRPOSample, count: Int, temperature: Float, topP: Float, maximumTokens: Int, seed: UInt64) throws -> TextRollout {
        let prompt = try prompt(sample)
        var options = QwenVLSamplingOptions()
        options.samples = count
        options.temperature = temperature
        options.topP = topP
        options.seed = seed
        options.maximumTokens = maximumTokens
        options.stopTokens = stopTokens
        options.vocabularyLimit = tokenizer.vocabularySize
        var request = QwenVLRequest(input: prompt.modelInput, options: options)
        let result = try Autograd.withoutGradient { try request.run(model: model) }
        let completions = result.completions
        guard completions.allSatisfy({ !$0.tokens.isEmpty }) else { throw TrainingError.data("sample \(sample.id): a rollout produced no token") }
        return TextRollout(tokens: completions.map(\.tokens), logProbabilities: completions.map(\.logProbabilities),
                           texts: completions.map { tokenizer.decode($0.contentTokens(stopTokens: stopTokens), skipSpecialTokens: true) })
    }

    /// Logits [G, T, V] at the positions that predict each completion token: one teacher-forced forward of the G
    /// rows prompt + completion (right-padded; causal attention keeps the padding out of real positions), each row
    /// with its own copy of the video. What `TokenGRPOLoss(logits:batch:)` takes; the trainer uses the cheaper
    /// `logProbabilities` (V-wide logits of all G·T positions are 7 GB for the 3B model at G = 8, T = 512 + prompt).
    public func completionLogits(_ sample: GRPOSample, completions: [[Int]]) throws -> Tensor {
        guard !completions.isEmpty, completions.allSatisfy({ !$0.isEmpty }) else {
            throw TrainingError.data("sample \(sample.id): every completion needs at least one token")
        }
        let prompt = try prompt(sample), single = prompt.modelInput
        let promptLength = prompt.inputIDs.count, longest = completions.map(\.count).max()!
        let filler = completions[0][0]
        let rows = completions.map { prompt.inputIDs + $0 + Array(repeating: filler, count: longest - $0.count) }
        let count = rows.count
        // Each row carries its own copy of the video (the model's batch input takes media in placeholder order).
        let input = QwenVLInput(
            tokens: rows,
            images: single.images.map { QwenVLVisualInput(pixels: Tensor.concatenate(Array(repeating: $0.pixels, count: count), axis: 0),
                                                          grids: Array(Array(repeating: $0.grids, count: count).joined())) },
            videos: single.videos.map { QwenVLVisualInput(pixels: Tensor.concatenate(Array(repeating: $0.pixels, count: count), axis: 0),
                                                          grids: Array(Array(repeating: $0.grids, count: count).joined())) },
            secondsPerGrid: single.secondsPerGrid.map { Array(Array(repeating: $0, count: count).joined()) })
        var (tokens, state) = try model.prepare(input)
        let logits = model.logits(tokens, state: &state)                                       // [G, P+T, V]
        return logits.sliced(axis: 1, start: promptLength - 1, end: promptLength - 1 + longest)  // [G, T, V]
    }

    /// log π_θ of every completion token [G, T] (0 past a completion's end), differentiable in the adapters: TRL's
    /// `_get_per_token_logps` as `QwenVLScoring.logProbabilityTensor` computes it (the vision tower once for the
    /// group, one [T, V] slice of logits at a time).
    public func logProbabilities(_ sample: GRPOSample, completions: [[Int]], temperature: Float) throws -> Tensor {
        try QwenVLScoring.logProbabilityTensor(model: model, input: try prompt(sample).modelInput, completions: completions,
                                               temperature: temperature)
    }

    /// The same from `completionLogits` (the full [G, T, V] logits): a cross-check of the scoring path.
    public func logProbabilitiesFromLogits(_ sample: GRPOSample, completions: [[Int]], temperature: Float) throws -> Tensor {
        let logits = try completionLogits(sample, completions: completions)
        let scaled = temperature == 1 ? logits : logits / temperature
        let (tokens, mask) = TextRollout.padded(completions)
        return try Tensor.tokenLogProbabilities(logits: scaled, tokens: tokens) * mask         // [G, T]
    }

    public func referenceLogProbabilities(_ sample: GRPOSample, completions: [[Int]], temperature: Float) throws -> Tensor {
        try Autograd.withoutGradient {
            guard let adapters else { return try logProbabilities(sample, completions: completions, temperature: temperature) }
            return try adapters.withAdaptersDisabled { try logProbabilities(sample, completions: completions, temperature: temperature) }
        }
    }

    /// Writes the policy as a complete VLM directory: `source`'s config, tokenizer and profile files, and the
    /// current weights (GRPO adapters merged) as model.safetensors, so every loader reads it as it is.
    public func export(from source: URL, to destination: URL) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: destination, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: source.path)
        where name.hasSuffix(".json") && !name.hasPrefix("model.safetensors") && name != "adapter" {
            let target = destination.appendingPathComponent(name)
            try? manager.removeItem(at: target)
            try manager.copyItem(at: source.appendingPathComponent(name), to: target)
        }
        adapters?.merge()
        defer { adapters?.unmerge() }
        var tensors: [String: Tensor] = [:]
        for (key, value) in model.parameters() where !key.contains("lora_") {
            if key == "lm_head.weight", model.configuration.text.tieWordEmbeddings { continue }
            tensors[key] = value.detached().converted(to: .float32)
        }
        try SafetensorsWriter.write(tensors: tensors, metadata: ["format": "pt"], to: destination.appendingPathComponent("model.safetensors"))
    }
}
