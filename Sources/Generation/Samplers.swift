// Mirrors mlx-swift-lm's LogitSampler / LogitProcessor split (and transformers' logits processors):
// processors reshape the distribution (repetition penalty), samplers pick one token per row. Both work
// on the [B, V] logits tensor; the per-row draws go through the engine's `Sampling` so that faster
// kernels (no full-vocabulary sort) slot in without touching these call sites.
import Tensor

/// Picks the next token of every batch row.
public protocol LogitSampler {
    /// One token per row of `logits` [B, V].
    mutating func sample(_ logits: Tensor) throws(GenerationError) -> [Int]
}

/// Changes logits before sampling, possibly from the tokens seen so far.
public protocol LogitProcessor {
    /// Sees each row's prompt before the first token.
    mutating func prompt(_ tokens: [[Int]])
    /// Logits [B, V] → processed logits [B, V].
    func process(_ logits: Tensor) -> Tensor
    /// Sees the token just chosen for each row.
    mutating func didSample(_ tokens: [Int])
}

/// Greedy decoding: the most likely token (the first on ties, as torch.argmax).
public struct ArgmaxSampler: LogitSampler {
    public init() {}

    public mutating func sample(_ logits: Tensor) throws(GenerationError) -> [Int] {
        logits.argmax(axis: 1).int64Scalars.map(Int.init)
    }
}

/// Temperature, top-k and top-p sampling with one seeded generator per batch row, so row r of a batch
/// draws exactly what a batch-1 run seeded like row r draws (forked rollouts reproduce separate runs).
public struct CategoricalSampler: LogitSampler {
    public let parameters: SamplingParameters
    /// One generator per batch row.
    public private(set) var generators: [RandomGenerator]

    /// A sampler for rows seeded `seeds[r]`.
    public init(parameters: SamplingParameters, seeds: [UInt64]) {
        self.parameters = parameters
        generators = seeds.map { RandomGenerator(seed: $0) }
    }

    public mutating func sample(_ logits: Tensor) throws(GenerationError) -> [Int] {
        guard logits.rank == 2 && logits.shape[0] == generators.count else {
            throw .invalidArgument("\(generators.count) sampler seeds for logits \(logits.shape)")
        }
        var tokens: [Int] = []
        for row in 0..<generators.count {
            do {
                tokens += try Sampling.sample(logits: logits.sliced(axis: 0, start: row, end: row + 1), parameters: parameters,
                                              generator: &generators[row])
            } catch {
                throw .sampling("row \(row): \(error)")
            }
        }
        return tokens
    }
}

/// transformers' RepetitionPenaltyLogitsProcessor: every token already in a row (prompt or generated) has its
/// logit divided by `penalty` when positive, multiplied when negative, so repeats become less likely.
public struct RepetitionPenalty: LogitProcessor {
    public let penalty: Float
    /// Per row, the tokens seen so far.
    public private(set) var seen: [Set<Int>] = []

    public init(penalty: Float) {
        precondition(penalty > 0, "a repetition penalty must be positive")
        self.penalty = penalty
    }

    public mutating func prompt(_ tokens: [[Int]]) { seen = tokens.map(Set.init) }

    public func process(_ logits: Tensor) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[0] == seen.count, "repetition penalty saw \(seen.count) rows, logits \(logits.shape)")
        let vocabulary = logits.shape[1]
        var values = logits.contiguous().scalars
        for (row, tokens) in seen.enumerated() {
            for token in tokens where token < vocabulary {
                let index = row * vocabulary + token
                values[index] = values[index] < 0 ? values[index] * penalty : values[index] / penalty
            }
        }
        return Tensor(values, shape: logits.shape)
    }

    public mutating func didSample(_ tokens: [Int]) {
        for (row, token) in tokens.enumerated() { seen[row].insert(token) }
    }
}

/// log p(token) per row of logits [B, V] under softmax(logits / temperature), unprocessed otherwise (what scoring
/// a completion gives, and what GRPO's ratio needs), through the engine's fused op: one pass over each row,
/// no [B, V] log-softmax in memory. The tokens were sampled from these logits, so they are in range.
func tokenLogProbabilities(logits: Tensor, tokens: [Int], temperature: Float) -> [Float] {
    let scaled = temperature == 1 ? logits : logits / temperature
    do {
        return try Tensor.tokenLogProbabilities(logits: scaled, tokens: Tensor(indices: tokens, shape: [tokens.count])).scalars
    } catch {
        preconditionFailure("a sampled token is outside the vocabulary: \(error)")
    }
}
