import Foundation

// Mirrors transformers' generation logits processors (TemperatureLogitsWarper, TopKLogitsWarper,
// TopPLogitsWarper) followed by torch.multinomial, as `generate(do_sample=True)` does.

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

public enum Sampling {
    /// Logits [vocabulary] after temperature, top-k and top-p filtering (removed entries are -inf).
    public static func filteredLogits(_ logits: [Float], parameters: SamplingParameters) -> [Float] {
        var scores = logits.map { $0 / (parameters.temperature > 0 ? parameters.temperature : 1) }
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        if parameters.topK > 0 && parameters.topK < scores.count {
            let threshold = scores[order[parameters.topK - 1]]
            for index in scores.indices where scores[index] < threshold { scores[index] = -.infinity }
        }
        if parameters.topP < 1 {
            // Remove tokens whose cumulative probability (ascending order) is ≤ 1 - p; keep at least one.
            let maximum = scores[order[0]]
            let exponentials = scores.map { $0 == -.infinity ? 0 : Foundation.exp(Double($0 - maximum)) }
            let total = exponentials.reduce(0, +)
            var cumulative = 0.0
            for (rank, index) in order.reversed().enumerated() where rank < order.count - 1 {
                cumulative += exponentials[index] / total
                if cumulative <= 1 - Double(parameters.topP) { scores[index] = -.infinity }
            }
        }
        return scores
    }

    /// Picks one token per row of `logits` ([vocabulary] or [batch, vocabulary]).
    public static func sample(logits: Tensor, parameters: SamplingParameters,
                              generator: inout RandomGenerator) throws -> [Int] {
        let matrix = logits.rank == 1 ? logits.unsqueezed(0) : logits
        let rows = matrix.shape[0], vocabulary = matrix.shape[1]
        if parameters.temperature <= 0 {
            return matrix.argmax(axis: 1).int64Scalars.map(Int.init)
        }
        let values = matrix.scalars
        var tokens: [Int] = []
        for row in 0..<rows {
            let scores = filteredLogits(Array(values[(row * vocabulary)..<((row + 1) * vocabulary)]), parameters: parameters)
            let probabilities = Tensor(scores, shape: [vocabulary]).softmax(axis: 0)
            tokens.append(Int(try generator.multinomial(probabilities, count: 1, replacement: true).int64Scalars[0]))
        }
        return tokens
    }
}
