// Mirrors transformers' `generate` for Qwen2_5_VLForConditionalGeneration (prefill, then KV-cache decode; greedy
// or sampled; stop on eos) and TRL's GRPO rollout (`num_generations` completions per prompt, with the log-prob of
// every sampled token under the tempered distribution), on top of the Generation target's TokenIterator.
import Foundation
import Generation
import Tensor

/// One rollout: its tokens up to and including the first stop token, and their log-probabilities.
public struct QwenVLCompletion: Sendable, Equatable {
    /// Generated token ids (the stop token, when one was produced, is the last).
    public var tokens: [Int]
    /// Per token, log_softmax(logits / scoring temperature)[token] at the step that produced it.
    public var logProbabilities: [Float]
    /// Whether the rollout ended on a stop token (false: it ran out of budget).
    public var stopped: Bool

    /// The tokens without the final stop token (what is decoded to text).
    public func contentTokens(stopTokens: Set<Int>) -> [Int] {
        stopped && tokens.last.map(stopTokens.contains) == true ? Array(tokens.dropLast()) : tokens
    }
}

/// What one request produced, with the time spent in each phase.
public struct QwenVLGenerationResult: Sendable {
    /// Prompt length in tokens (vision placeholders included).
    public var promptTokenCount: Int
    /// One completion per rollout, rollout r at index r.
    public var completions: [QwenVLCompletion]
    /// Vision tower, M-RoPE positions and the prompt's forward pass, in seconds.
    public var prefillSeconds: Double
    /// Token-by-token decoding of all rollouts together, in seconds.
    public var decodeSeconds: Double
}

/// The processor's prompt in the model's input form (one batch row).
extension QwenVLPrompt {
    /// `input_ids`, the pixel tensors with their grids and `second_per_grid_ts`, as `QwenVLModel.prepare` takes them.
    public var modelInput: QwenVLInput {
        QwenVLInput(
            tokens: [inputIDs],
            images: image.map { QwenVLVisualInput(pixels: Tensor($0.pixelValues, shape: $0.shape),
                                                  grids: [[$0.grid.temporal, $0.grid.height, $0.grid.width]]) },
            videos: video.map { QwenVLVisualInput(pixels: Tensor($0.pixelValues, shape: $0.shape),
                                                  grids: [[$0.grid.t, $0.grid.h, $0.grid.w]]) },
            secondsPerGrid: video == nil ? nil : secondPerGridTs)
    }
}

/// One generation request: a prompt, its sampling options and — once started — its own KV caches, M-RoPE state
/// and samplers. The model is only read, so one loaded model serves many requests.
///
/// ```swift
/// var options = QwenVLSamplingOptions()
/// options.samples = 8; options.temperature = 1; options.seed = 42
/// options.stopTokens = try QwenVLStopTokens.load(directory: modelDirectory, configuration: model.configuration)
/// var request = QwenVLRequest(input: prompt.modelInput, options: options)
/// let result = try request.run(model: model)        // 8 rollouts from one prefill
/// ```
public struct QwenVLRequest {
    /// The prompt, one batch row.
    public let input: QwenVLInput
    /// How the rollouts sample.
    public let options: QwenVLSamplingOptions
    /// The decoding state after ``start(model:)``: caches, positions, samplers.
    public private(set) var iterator: TokenIterator<QwenVLModel>?
    /// Completions so far, one per rollout.
    public private(set) var completions: [QwenVLCompletion]
    /// Seconds spent in ``start(model:)``.
    public private(set) var prefillSeconds: Double = 0

    /// A request that has not run yet; ``start(model:)`` or ``run(model:progress:)`` runs it.
    public init(input: QwenVLInput, options: QwenVLSamplingOptions) {
        self.input = input
        self.options = options
        completions = Array(repeating: QwenVLCompletion(tokens: [], logProbabilities: [], stopped: false), count: options.samples)
    }

    /// Runs the vision tower and the prompt once, then forks the caches into `options.samples` rollouts.
    public mutating func start(model: QwenVLModel) throws {
        try options.validate()
        guard input.tokens.count == 1 else { throw QwenVLError.invalidInput("a request holds one prompt row, got \(input.tokens.count)") }
        let started = Date()
        let (tokens, state) = try model.prepare(input)
        let sampler: any LogitSampler = options.temperature == 0
            ? ArgmaxSampler()
            : CategoricalSampler(parameters: options.samplingParameters,
                                 seeds: (0..<options.samples).map { options.seed &+ UInt64($0) })
        let processors: [any LogitProcessor] = options.vocabularyLimit.map { [VocabularyLimit(limit: $0)] } ?? []
        iterator = try TokenIterator(model: model, prompt: tokens, state: state, rollouts: options.samples, sampler: sampler,
                                     processors: processors, maximumTokens: options.maximumTokens, stopTokens: options.stopTokens,
                                     scoringTemperature: options.scoringTemperature)
        prefillSeconds = Date().timeIntervalSince(started)
    }

    /// Decodes one token for every rollout still running; false once all have stopped or the budget is spent.
    public mutating func step() throws -> Bool {
        guard var iterator else { throw QwenVLError.invalidInput("start the request before stepping it") }
        defer { self.iterator = iterator }
        guard let tokens = try iterator.next() else { return false }
        for (row, generated) in tokens.enumerated() where !completions[row].stopped {
            completions[row].tokens.append(generated.token)
            completions[row].logProbabilities.append(generated.logProbability)
            if options.stopTokens.contains(generated.token) { completions[row].stopped = true }
        }
        return true
    }

    /// Starts (if needed) and decodes to the end; `progress` sees the number of tokens generated so far.
    public mutating func run(model: QwenVLModel, progress: ((Int) -> Void)? = nil) throws -> QwenVLGenerationResult {
        if iterator == nil { try start(model: model) }
        let started = Date()
        var generated = 0
        while try step() {
            generated += 1
            progress?(generated)
        }
        return QwenVLGenerationResult(promptTokenCount: input.tokens[0].count, completions: completions,
                                      prefillSeconds: prefillSeconds, decodeSeconds: Date().timeIntervalSince(started))
    }
}
