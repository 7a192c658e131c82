// Mirrors TRL's GRPOTrainer._get_per_token_logps (logits of prompt + completion, divided by the temperature,
// log_softmax, gathered at the completion tokens), used for old-policy, current-policy and reference
// (adapters disabled) log-probabilities.
//
// Shape legend: G completions, T longest completion, P prompt length, V vocabulary, C hidden width.
import Generation
import NN
import Tensor

/// Per-token log-probabilities of given completions of one prompt under the model.
public enum QwenVLScoring {
    /// log_softmax(logits / temperature)[token] for every token of every completion, without gradients: the
    /// prompt is run once, its caches forked G ways, and the completions run as one block on top (right-padded;
    /// causal attention keeps padding out of earlier positions).
    ///
    /// - Parameter adapters: when given with `adaptersDisabled`, scores the reference policy (LoRA off).
    public static func logProbabilities(model: QwenVLModel, input: QwenVLInput, completions: [[Int]], temperature: Float = 1,
                                        adapters: LoRAAdapters? = nil, adaptersDisabled: Bool = false) throws -> [[Float]] {
        try validate(model: model, input: input, completions: completions, temperature: temperature)
        let body = { () throws -> [[Float]] in
            try Autograd.withoutGradient { try cachedScores(model: model, input: input, completions: completions, temperature: temperature) }
        }
        if let adapters, adaptersDisabled { return try adapters.withAdaptersDisabled(body) }
        return try body()
    }

    /// The same log-probabilities as a differentiable tensor [G, T] (entries past a completion's end are 0), from one
    /// full forward of the G rows prompt + completion (the vision tower runs once, its features shared): what a
    /// policy-gradient loss backpropagates through. For a 3B model on a long video, score one completion per call
    /// and accumulate gradients: activations grow with G·(P+T).
    ///
    /// - Parameter recomputeLayers: drop each decoder layer's activations after the forward pass and recompute them
    ///   in backward (``Recomputation``), for long video prompts; same values and gradients. `recomputeChunk`
    ///   tokens of an MLP are recomputed at a time.
    public static func logProbabilityTensor(model: QwenVLModel, input: QwenVLInput, completions: [[Int]],
                                            temperature: Float = 1, recomputeLayers: Bool = false,
                                            recomputeChunk: Int = 4096) throws -> Tensor {
        try validate(model: model, input: input, completions: completions, temperature: temperature)
        let prompt = input.tokens[0], promptLength = prompt.count
        let longest = completions.map(\.count).max() ?? 0
        // Right-pad with the first completion token of row 0: any valid id works, its outputs are never read.
        let filler = completions[0][0]
        let rows = completions.map { prompt + $0 + Array(repeating: filler, count: longest - $0.count) }
        // The vision tower runs once for the prompt; its features are shared by the G rows.
        let (_, promptState) = try model.prepare(input)
        var state = try sharedPromptState(promptState, promptLength: promptLength, completionLength: longest, rows: rows.count)
        let tokens = Tensor(indices: Array(rows.joined()), shape: [rows.count, promptLength + longest])
        let hidden = recomputeLayers ? model.recomputingHiddenStates(tokens, state: &state, sequenceChunk: recomputeChunk)
            : model.hiddenStates(tokens, caches: nil, state: &state)                                // [G, P+T, C]
        // Position P−1+t predicts completion token t.
        let predicting = hidden.sliced(axis: 1, start: promptLength - 1, end: promptLength - 1 + longest)  // [G, T, C]
        var perRow: [Tensor] = []
        for (row, completion) in completions.enumerated() {
            let logits = model.head(predicting.sliced(axis: 0, start: row, end: row + 1).squeezed(0))   // [T, V]
            let scaled = temperature == 1 ? logits : logits / temperature
            let padded = completion + Array(repeating: filler, count: longest - completion.count)
            let scores = try Tensor.tokenLogProbabilities(logits: scaled, tokens: Tensor(indices: padded, shape: [longest]))  // [T]
            let mask = Tensor((0..<longest).map { $0 < completion.count ? Float(1) : 0 }, shape: [longest])
            perRow.append(scores * mask)
        }
        return Tensor.stacked(perRow, axis: 0)                                                    // [G, T]
    }

    static func validate(model: QwenVLModel, input: QwenVLInput, completions: [[Int]], temperature: Float) throws {
        guard input.tokens.count == 1 else { throw QwenVLError.invalidInput("scoring takes one prompt row, got \(input.tokens.count)") }
        guard !completions.isEmpty, completions.allSatisfy({ !$0.isEmpty }) else {
            throw QwenVLError.invalidInput("scoring needs at least one completion, each of at least one token")
        }
        guard temperature > 0, temperature.isFinite else { throw QwenVLError.invalidInput("scoring temperature must be positive, got \(temperature)") }
        let vocabulary = model.configuration.text.vocabularySize
        for (row, completion) in completions.enumerated() {
            if let bad = completion.first(where: { $0 < 0 || $0 >= vocabulary }) {
                throw QwenVLError.invalidInput("completion \(row): token \(bad) is outside the vocabulary 0..<\(vocabulary)")
            }
        }
    }

    /// A state for `rows` sequences of prompt + completion from the prepared state of the prompt alone: the prompt's
    /// M-RoPE positions, then text positions continuing from its next one; the prompt's vision features, gathered
    /// into every row (the features follow the G·(P+T) text embeddings in the gather table).
    static func sharedPromptState(_ prompt: QwenVLState, promptLength: Int, completionLength: Int, rows: Int) throws -> QwenVLState {
        guard let prepared = prompt.prepared, prepared.length == promptLength, prepared.nextPositions.count == 1 else {
            throw QwenVLError.invalidInput("scoring needs a freshly prepared one-row prompt")
        }
        let length = promptLength + completionLength
        let next = prepared.nextPositions[0]
        var positions: [[Int]] = [[], [], []]
        for _ in 0..<rows {
            for axis in 0..<3 { positions[axis] += prepared.positions[axis] + Array(next..<(next + completionLength)) }
        }
        var vision: (features: Tensor, rows: [Int])?
        if let shared = prepared.vision {
            var gather: [Int] = []
            gather.reserveCapacity(rows * length)
            for row in 0..<rows {
                for index in 0..<length {
                    let source = index < promptLength ? shared.rows[index] : index
                    // Text rows move to this row's block; feature rows move past all G·(P+T) text rows.
                    gather.append(source < promptLength || index >= promptLength ? row * length + source
                                                                                  : rows * length + (source - promptLength))
                }
            }
            vision = (shared.features, gather)
        }
        var state = QwenVLState(batch: rows)
        state.prepared = .init(length: length, leadingPadding: Array(repeating: 0, count: rows), positions: positions,
                               nextPositions: Array(repeating: next + completionLength, count: rows), vision: vision)
        return state
    }

    /// Prefill once, fork, run the completions as one block; one [T, V] row of logits at a time.
    static func cachedScores(model: QwenVLModel, input: QwenVLInput, completions: [[Int]], temperature: Float) throws -> [[Float]] {
        var (tokens, state) = try model.prepare(input)
        var caches = model.makeCaches()
        let last = model.prefill(tokens, caches: caches, state: &state)                           // [1, V]
        let count = completions.count, longest = completions.map(\.count).max() ?? 0
        var blockHidden: Tensor?                                                                  // [G, T−1, C]
        if longest > 1 {
            caches = caches.map { $0.repeated(count: count) }
            state = state.repeated(count: count)
            let filler = completions[0][0]
            let block = completions.flatMap { Array($0.prefix(longest - 1)) + Array(repeating: filler, count: longest - 1 - min($0.count, longest - 1)) }
            blockHidden = model.hiddenStates(Tensor(indices: block, shape: [count, longest - 1]), caches: caches, state: &state)
        }
        var result: [[Float]] = []
        for (row, completion) in completions.enumerated() {
            var logits = last                                                                     // [1, V]
            if completion.count > 1, let hidden = blockHidden {
                let rowHidden = hidden.sliced(axis: 0, start: row, end: row + 1).squeezed(0)
                    .sliced(axis: 0, start: 0, end: completion.count - 1)                         // [n−1, C]
                logits = Tensor.concatenate([last, model.head(rowHidden)], axis: 0)                // [n, V]
            }
            let scaled = temperature == 1 ? logits : logits / temperature
            result.append(try Tensor.tokenLogProbabilities(logits: scaled, tokens: Tensor(indices: completion, shape: [completion.count])).scalars)
        }
        return result
    }
}
