import Foundation
import Testing
@testable import Tensor

@Suite("Fused per-token log-probabilities")
struct TokenLogProbabilityTests {
    // 16 rows of a 151,936-token vocabulary (Qwen2.5's), seeded, with one logit per row near the top of the spread: the fused forward
    // and its gradient against a double-precision reference computed here, and the timing against
    // log_softmax + gather (which materialises [16, 151936] twice).
    @Test func vocabularyScaleAgainstDoubleReference() throws {
        let rows = 16, vocabulary = 151_936
        var generator = RandomGenerator(seed: 2026)
        var values = generator.normal([rows, vocabulary], standardDeviation: 4).scalars
        for row in 0..<rows { values[row * vocabulary + (row * 7919) % vocabulary] = 15 + Float(row) / 2 }
        let tokens = generator.randint([rows], low: 0, high: vocabulary).int64Scalars.map(Int.init)
        let upstream = generator.normal([rows])
        let logits = Tensor(values, shape: [rows, vocabulary]).requiringGradient()

        let start = Date()
        let fused = try Tensor.tokenLogProbabilities(logits: logits, tokens: Tensor(indices: tokens, shape: [rows]))
        fused.backward(seed: upstream)
        let fusedSeconds = Date().timeIntervalSince(start)
        let gradient = try #require(logits.gradient).scalars

        var expected = [Float](repeating: 0, count: rows), expectedGradient = [Float](repeating: 0, count: rows * vocabulary)
        let seeds = upstream.scalars
        for row in 0..<rows {
            let slice = values[(row * vocabulary)..<((row + 1) * vocabulary)].map(Double.init)
            let maximum = slice.max()!
            let logTotal = Foundation.log(slice.reduce(0) { $0 + Foundation.exp($1 - maximum) }) + maximum
            expected[row] = Float(slice[tokens[row]] - logTotal)
            for (index, value) in slice.enumerated() {
                let onehot: Double = index == tokens[row] ? 1 : 0
                expectedGradient[row * vocabulary + index] = Float(Double(seeds[row]) * (onehot - Foundation.exp(value - logTotal)))
            }
        }
        let forwardError = relativeError(fused.scalars, expected), gradientError = relativeError(gradient, expectedGradient)
        #expect(forwardError <= 1e-6, "forward relative error \(forwardError)")
        #expect(gradientError <= 1e-5, "gradient relative error \(gradientError)")

        let unfused = Tensor(values, shape: [rows, vocabulary]).requiringGradient()
        let middle = Date()
        let gathered = unfused.logSoftmax(axis: 1).gathered(axis: 1, indices: Tensor(indices: tokens, shape: [rows, 1])).reshaped([rows])
        gathered.backward(seed: upstream)
        let unfusedSeconds = Date().timeIntervalSince(middle)
        #expect(relativeError(gathered.scalars, expected) <= 1e-5)
        print(String(format: "token log-probabilities %d×%d forward+backward: fused %.1f ms, log_softmax+gather %.1f ms; errors vs double %.2e / %.2e",
                     rows, vocabulary, fusedSeconds * 1000, unfusedSeconds * 1000, forwardError, gradientError))
    }

    // Out-of-range tokens throw a typed error; −inf logits away from the token are fine; an all −inf row gives NaN as torch.
    @Test func edgeRows() throws {
        let logits = Tensor([0, -.infinity, 1, 2, -.infinity, -.infinity], shape: [2, 3])
        #expect(throws: TensorError.indexOutOfRange(operation: "tokenLogProbabilities", index: 3, axisSize: 3)) {
            try Tensor.tokenLogProbabilities(logits: logits, tokens: Tensor(indices: [0, 3], shape: [2]))
        }
        let result = try Tensor.tokenLogProbabilities(logits: logits, tokens: Tensor(indices: [2, 0], shape: [2])).scalars
        #expect(Swift.abs(result[0] - (1 - Foundation.log(1 + Foundation.exp(1)))) < 1e-6)
        #expect(result[1] == 0)
        let empty = try Tensor.tokenLogProbabilities(logits: Tensor.zeros([0, 5]), tokens: Tensor(indices: [], shape: [0]))
        #expect(empty.shape == [0])
    }

    // Per-token cross-entropy: .none is 0 at ignored targets, .sum adds the rest, and a mean over nothing is NaN.
    @Test func crossEntropyReductions() {
        let logits = Tensor([1, 2, 3, 0, 0, -.infinity], shape: [2, 3])
        let targets = Tensor(indices: [2, -100], shape: [2])
        let perToken = logits.crossEntropy(targets: targets, reduction: .none).scalars
        #expect(perToken[1] == 0 && perToken[0] > 0)
        #expect(logits.crossEntropy(targets: targets, reduction: .sum).item == perToken[0])
        #expect(logits.crossEntropy(targets: Tensor(indices: [-100, -100], shape: [2])).item.isNaN)
    }
}
