import Foundation
import Testing
@testable import Tensor

/// The sampler as it was before it stopped sorting (a3ee653): every row fully sorted, then
/// torch.multinomial. Kept as the reference the selection-based sampler must reproduce token for token.
private enum SortingSampler {
    static func filteredLogits(_ logits: [Float], parameters: SamplingParameters) -> [Float] {
        var scores = logits.map { $0 / (parameters.temperature > 0 ? parameters.temperature : 1) }
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        if parameters.topK > 0 && parameters.topK < scores.count {
            let threshold = scores[order[parameters.topK - 1]]
            for index in scores.indices where scores[index] < threshold { scores[index] = -.infinity }
        }
        if parameters.topP < 1 {
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

    static func sample(_ row: [Float], parameters: SamplingParameters, generator: inout RandomGenerator) -> Int {
        let scores = filteredLogits(row, parameters: parameters)
        // torch.multinomial(probabilities, 1) as Random.swift drew it then, in Swift doubles.
        let weights = Tensor(scores, shape: [row.count]).softmax(axis: 0).scalars.map(Double.init)
        let target = Double(generator.bits(1)[0]) / 4294967296.0 * weights.reduce(0, +)
        var running = 0.0, chosen = weights.count - 1
        for index in weights.indices where weights[index] > 0 {
            running += weights[index]
            if target < running { return index }
            chosen = index
        }
        return chosen
    }
}

/// Rows of seeded logits: spread-out scores, and coarsely rounded ones full of ties.
private func testLogits(rows: Int, vocabulary: Int, seed: UInt64) -> Tensor {
    var generator = RandomGenerator(seed: seed)
    let values = generator.normal([rows, vocabulary], standardDeviation: 3).scalars
    return Tensor(values.enumerated().map { $0.offset / vocabulary % 2 == 1 ? ($0.element * 2).rounded() / 2 : $0.element },
                  shape: [rows, vocabulary])
}

private let parameterSets: [SamplingParameters] = [
    .init(temperature: 1), .init(temperature: 0.7), .init(temperature: 0.7, topK: 8), .init(temperature: 1, topK: 1),
    .init(temperature: 1, topP: 0.9), .init(temperature: 0.6, topK: 40, topP: 0.8), .init(temperature: 1.3, topK: 500, topP: 0.95),
    .init(temperature: 1, topP: 0.3), .init(temperature: 1, topP: 0), .init(temperature: 2, topK: 3000, topP: 0.999),
]

@Suite("Sampling without sorting the vocabulary")
struct SamplingWithoutSortingTests {
    // Filtering gives exactly the sorting sampler's logits, and the same seed draws the same tokens.
    @Test(arguments: parameterSets)
    func reproducesSortingSampler(parameters: SamplingParameters) throws {
        let logits = testLogits(rows: 4, vocabulary: 3000, seed: 17), vocabulary = 3000
        let values = logits.scalars
        for row in 0..<4 {
            let slice = Array(values[(row * vocabulary)..<((row + 1) * vocabulary)])
            let expected = SortingSampler.filteredLogits(slice, parameters: parameters)
            let actual = Sampling.filteredLogits(slice, parameters: parameters)
            #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern), "row \(row) with \(parameters)")
        }
        var old = RandomGenerator(seed: 99), new = RandomGenerator(seed: 99)
        for _ in 0..<5 {
            var expected: [Int] = []
            for row in 0..<4 {
                let slice = Array(values[(row * vocabulary)..<((row + 1) * vocabulary)])
                expected.append(SortingSampler.sample(slice, parameters: parameters, generator: &old))
            }
            #expect(try Sampling.sample(logits: logits, parameters: parameters, generator: &new) == expected)
        }
        #expect(old.offset == new.offset)
    }

    // The sampled-distribution log-probability is log_softmax(filtered logits)[token] (double reference);
    // the raw one equals the fused op bit for bit; greedy gives the argmax with log-probability 0.
    @Test func logProbabilities() throws {
        let logits = testLogits(rows: 3, vocabulary: 1000, seed: 5), vocabulary = 1000
        let values = logits.scalars
        var generator = RandomGenerator(seed: 1)
        let parameters = SamplingParameters(temperature: 0.8, topK: 50, topP: 0.9)
        let sampled = try Sampling.sampleWithLogProbabilities(logits: logits, parameters: parameters, generator: &generator)
        let raw = try Tensor.tokenLogProbabilities(logits: logits, tokens: Tensor(indices: sampled.map(\.token), shape: [3]))
        #expect(sampled.map(\.rawLogProbability.bitPattern) == raw.scalars.map(\.bitPattern))
        for (row, draw) in sampled.enumerated() {
            let filtered = Sampling.filteredLogits(Array(values[(row * vocabulary)..<((row + 1) * vocabulary)]), parameters: parameters)
            let maximum = Double(filtered.max()!)
            let logTotal = Foundation.log(filtered.reduce(0.0) { $0 + Foundation.exp(Double($1) - maximum) }) + maximum
            #expect(filtered[draw.token] > -.infinity)
            #expect(Swift.abs(Double(draw.logProbability) - (Double(filtered[draw.token]) - logTotal)) < 1e-5)
        }
        let greedy = try Sampling.sampleWithLogProbabilities(logits: logits, parameters: .greedy, generator: &generator)
        #expect(greedy.map(\.token) == logits.argmax(axis: 1).int64Scalars.map(Int.init))
        #expect(greedy.allSatisfy { $0.logProbability == 0 && $0.rawLogProbability < 0 })
        // Scoring logits other than the sampled ones (say, before a repetition penalty) give the raw log-probability.
        let penalised = logits - Tensor((0..<vocabulary).map { $0 % 3 == 0 ? 1 : 0 }, shape: [vocabulary])
        let scored = try Sampling.sampleWithLogProbabilities(logits: penalised, parameters: .greedy, scoringLogits: logits, generator: &generator)
        let expected = try Tensor.tokenLogProbabilities(logits: logits, tokens: Tensor(indices: scored.map(\.token), shape: [3]))
        #expect(scored.map(\.rawLogProbability) == expected.scalars)
    }

    // Rows that cannot be sampled throw a typed error instead of trapping.
    @Test func unusableRowsThrow() {
        var generator = RandomGenerator(seed: 3)
        let nan = Tensor([0, .nan, 1], shape: [1, 3])
        #expect(throws: TensorError.self) { try Sampling.sampleWithLogProbabilities(logits: nan, parameters: .init(), generator: &generator) }
    }

    // At vocabulary scale (151,936, as Qwen2.5) the selection sampler against the sorting one, 8 rows
    // (a GRPO group): prints the timings; tokens must agree.
    @Test func vocabularyScaleTimings() throws {
        let vocabulary = 151_936, rows = 8
        let logits = testLogits(rows: rows, vocabulary: vocabulary, seed: 23), values = logits.scalars
        for parameters in [SamplingParameters(temperature: 0.9), .init(temperature: 0.9, topK: 50), .init(temperature: 0.9, topP: 0.95)] {
            var old = RandomGenerator(seed: 4), new = RandomGenerator(seed: 4)
            let start = Date()
            let expected = (0..<rows).map { row in
                SortingSampler.sample(Array(values[(row * vocabulary)..<((row + 1) * vocabulary)]), parameters: parameters, generator: &old)
            }
            let sorting = Date().timeIntervalSince(start)
            let middle = Date()
            let actual = try Sampling.sample(logits: logits, parameters: parameters, generator: &new)
            let selecting = Date().timeIntervalSince(middle)
            #expect(actual == expected, "\(parameters)")
            print(String(format: "sampling %d×%d T=%.1f k=%d p=%.2f: sorting %.1f ms, selection %.1f ms (debug build)",
                         rows, vocabulary, parameters.temperature, parameters.topK, parameters.topP, sorting * 1000, selecting * 1000))
        }
    }
}
