import CKernels
import Foundation

// Mirrors transformers' generation logits processors (TemperatureLogitsWarper, TopKLogitsWarper,
// TopPLogitsWarper) followed by torch.multinomial, as `generate(do_sample=True)` does — without sorting
// the vocabulary: temperature-only and greedy sampling are O(V), top-k selects k entries with a heap
// (O(V log k)), and top-p orders only the candidates in the score band that holds the nucleus.

/// How to pick the next token from logits.
public struct SamplingParameters: Sendable, Equatable {
    /// Divides logits; 0 means greedy (argmax).
    public var temperature: Float
    /// Keep only the k most likely tokens (0 = off).
    public var topK: Int
    /// Keep the smallest set whose probability reaches p (1 = off).
    public var topP: Float

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
    }

    /// Greedy decoding.
    public static let greedy = SamplingParameters(temperature: 0)
}

/// A sampled token and its log-probabilities.
public struct SampledToken: Sendable, Equatable {
    /// The token id.
    public var token: Int
    /// log p(token) under the distribution it was drawn from: the logits after temperature, top-k and
    /// top-p. 0 for greedy decoding, which picks its token with certainty.
    public var logProbability: Float
    /// log_softmax(raw logits)[token], the policy's log-probability that GRPO needs; equal, bit for bit,
    /// to `Tensor.tokenLogProbabilities` on the same logits and token.
    public var rawLogProbability: Float
}

public enum Sampling {
    /// Logits [vocabulary] after temperature, top-k and top-p filtering (removed entries are -inf).
    public static func filteredLogits(_ logits: [Float], parameters: SamplingParameters) -> [Float] {
        var scores = logits
        scores.withUnsafeMutableBufferPointer { filter($0, parameters: parameters) }
        return scores
    }

    /// Picks one token per row of `logits` ([vocabulary] or [batch, vocabulary]).
    public static func sample(logits: Tensor, parameters: SamplingParameters,
                              generator: inout RandomGenerator) throws -> [Int] {
        try sampleWithLogProbabilities(logits: logits, parameters: parameters, generator: &generator).map(\.token)
    }

    /// Picks one token per row of `logits` ([vocabulary] or [batch, vocabulary]) with its log-probabilities,
    /// drawing one 32-bit word per row in row order (so tokens are those `sample` gives for the same seed).
    /// `rawLogProbability` is taken under `scoringLogits` when given (same shape; the model's logits when
    /// `logits` already went through other processors such as a repetition penalty), else under `logits`.
    /// Throws `TensorError.invalidProbabilities` for a row with NaN or with nothing left to sample.
    public static func sampleWithLogProbabilities(logits: Tensor, parameters: SamplingParameters, scoringLogits: Tensor? = nil,
                                                  generator: inout RandomGenerator) throws(TensorError) -> [SampledToken] {
        func rows(_ tensor: Tensor) -> Tensor { (tensor.rank == 1 ? tensor.unsqueezed(0) : tensor).detached().asFloat32.contiguous() }
        let matrix = rows(logits), scoring = scoringLogits.map(rows) ?? matrix
        precondition(matrix.rank == 2 && matrix.shape[1] > 0, "sample: logits must be [vocabulary] or [batch, vocabulary], got \(logits.shape)")
        precondition(scoring.shape == matrix.shape, "sample: scoring logits \(scoring.shape) differ from logits \(matrix.shape)")
        let rows = matrix.shape[0], vocabulary = matrix.shape[1]
        var tokens: [Int] = [], sampledLogProbabilities: [Float] = []
        if parameters.temperature <= 0 {
            tokens = matrix.argmax(axis: 1).int64Scalars.map(Int.init)
            sampledLogProbabilities = [Float](repeating: 0, count: rows)
        } else {
            var scores = [Float](repeating: 0, count: vocabulary), probabilities = scores
            for row in 0..<rows {
                let logitsRow = UnsafeBufferPointer(start: matrix.pointer(as: Float.self) + row * vocabulary, count: vocabulary)
                let token = try scores.withUnsafeMutableBufferPointer { scores throws(TensorError) in
                    _ = scores.update(fromContentsOf: logitsRow)
                    filter(scores, parameters: parameters)
                    vans_softmax_rows_f32(scores.baseAddress, &probabilities, Int64(vocabulary), 0, 0, 1)
                    let token = try probabilities.withUnsafeBufferPointer { weights throws(TensorError) in
                        try RandomGenerator.checkWeights(weights, row: row)
                        return generator.drawIndex(checkedWeights: weights)
                    }
                    sampledLogProbabilities.append(logProbability(of: token, in: UnsafeBufferPointer(scores)))
                    return token
                }
                tokens.append(token)
            }
        }
        let raw = (0..<rows).map { row in
            logProbability(of: tokens[row], in: UnsafeBufferPointer(start: scoring.pointer(as: Float.self) + row * vocabulary, count: vocabulary))
        }
        return withExtendedLifetime((matrix, scoring)) {
            (0..<rows).map { SampledToken(token: tokens[$0], logProbability: sampledLogProbabilities[$0], rawLogProbability: raw[$0]) }
        }
    }

    /// log_softmax(row)[token] through the fused kernel `Tensor.tokenLogProbabilities` uses.
    static func logProbability(of token: Int, in row: UnsafeBufferPointer<Float>) -> Float {
        var result: Float = 0, logSumExp: Float = 0, id = Int64(token)
        vans_token_log_probability_forward(row.baseAddress, DType.float32.kernelCode, &id, &result, &logSumExp, Int64(row.count), 0, 1)
        return result
    }

    /// Temperature, top-k and top-p applied in place, as the transformers warpers in that order.
    static func filter(_ scores: UnsafeMutableBufferPointer<Float>, parameters: SamplingParameters) {
        let vocabulary = scores.count
        if parameters.temperature > 0 && parameters.temperature != 1 {
            for index in scores.indices { scores[index] /= parameters.temperature }
        }
        if parameters.topK > 0 && parameters.topK < vocabulary {
            // Everything below the k-th largest score goes; ties with it stay, as TopKLogitsWarper.
            let threshold = ranked(UnsafeBufferPointer(scores), count: parameters.topK).values[parameters.topK - 1]
            for index in scores.indices where scores[index] < threshold { scores[index] = -.infinity }
        }
        if parameters.topP < 1 { keepNucleus(scores, topP: parameters.topP) }
    }

    /// TopPLogitsWarper: in ascending order of score, tokens whose cumulative probability is ≤ 1 − p go,
    /// except the most likely one. The cut lies where the mass of the tokens above it reaches p, so only a
    /// best-first prefix is ordered: the tokens within the smallest band below the maximum (in quarter-nat
    /// steps, one pass) that holds mass p, grown fourfold should rounding leave the cut outside it. Ties
    /// rank by lower index first, as the reference order (a stable descending sort) does.
    static func keepNucleus(_ scores: UnsafeMutableBufferPointer<Float>, topP: Float) {
        let vocabulary = scores.count, bands = 256
        let maximum = scores.max() ?? 0
        var total = 0.0
        var bandMass = [Double](repeating: 0, count: bands + 1), bandCount = [Int](repeating: 0, count: bands + 1)
        for score in scores where score != -.infinity {
            let exponential = Foundation.exp(Double(score - maximum))
            total += exponential
            let distance = (maximum - score) * 4
            let band = distance.isNaN ? bands : Int(Swift.min(distance, Float(bands)))
            bandMass[band] += exponential
            bandCount[band] += 1
        }
        var prefix = 0, mass = 0.0
        for band in 0...bands where mass < Double(topP) * total * (1 + 1e-9) {
            prefix += bandCount[band]
            mass += bandMass[band]
        }
        prefix = Swift.min(vocabulary, Swift.max(1, prefix))
        let removable = 1 - Double(topP)
        while true {
            let order = ranked(UnsafeBufferPointer(scores), count: prefix).indices
            var above = 0.0, cut: Int? = nil
            for rank in 0..<prefix {
                // The reference accumulates the tail from the bottom; here it is total minus the mass above.
                if rank > 0 && (total - above) / total <= removable { cut = rank; break }
                let score = scores[order[rank]]
                above += score == -.infinity ? 0 : Foundation.exp(Double(score - maximum))
            }
            if cut == nil && (total - above) / total <= removable { cut = prefix }
            if cut == nil && prefix < vocabulary { prefix = Swift.min(vocabulary, prefix * 4); continue }
            let kept = order[..<(cut ?? prefix)].map { ($0, scores[$0]) }
            scores.update(repeating: -.infinity)
            for (index, score) in kept { scores[index] = score }
            return
        }
    }

    /// The `count` best scores and their indices, best first (ties: lower index first).
    static func ranked(_ scores: UnsafeBufferPointer<Float>, count: Int) -> (values: [Float], indices: [Int]) {
        var values = [Float](repeating: 0, count: count), indices = [Int64](repeating: 0, count: count)
        vans_top_k_rows_f32(scores.baseAddress, Int64(scores.count), Int64(count), 1, 1, &values, &indices, 0, 1)
        return (values, indices.map(Int.init))
    }
}
