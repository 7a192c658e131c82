import Foundation
import Testing
@testable import Tensor

@Suite("Fused per-token log-probabilities")
struct TokenLogProbabilityTests {
    // 16 rows of a 151,936-token vocabulary (Qwen2.5's), seeded, with one logit per row near the top of
    // the spread: the fused forward and its gradient against a double-precision reference computed here.
    @Test func vocabularyScaleAgainstDoubleReference() throws {
        let rows = 16, vocabulary = 151_936
        var generator = RandomGenerator(seed: 2026)
        var values = generator.normal([rows, vocabulary], standardDeviation: 4).scalars
        for row in 0..<rows { values[row * vocabulary + (row * 7919) % vocabulary] = 15 + Float(row) / 2 }
        let tokens = generator.randint([rows], low: 0, high: vocabulary).int64Scalars.map(Int.init)
        let upstream = generator.normal([rows])
        let logits = Tensor(values, shape: [rows, vocabulary]).requiringGradient()

        let fused = try Tensor.tokenLogProbabilities(logits: logits, tokens: Tensor(indices: tokens, shape: [rows]))
        fused.backward(seed: upstream)
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

    }

    // Timing at GRPO scale, 64 completion tokens × 151,936: fused forward and forward+backward against
    // log_softmax + gather (which materialises two [64, 151936] tensors), best of three; prints the numbers.
    @Test func vocabularyScaleTiming() throws {
        let rows = 64, vocabulary = 151_936
        var generator = RandomGenerator(seed: 7)
        let values = generator.normal([rows, vocabulary], standardDeviation: 4)
        let tokens = generator.randint([rows], low: 0, high: vocabulary), upstream = generator.normal([rows])
        func best(_ body: () throws -> Void) rethrows -> Double {
            var fastest = Double.infinity
            for _ in 0..<3 {
                let start = Date()
                try body()
                fastest = Swift.min(fastest, Date().timeIntervalSince(start))
            }
            return fastest * 1000
        }
        let fusedForward = try best { _ = try Tensor.tokenLogProbabilities(logits: values, tokens: tokens) }
        let fusedBoth = try best {
            let logits = values.requiringGradient()
            try Tensor.tokenLogProbabilities(logits: logits, tokens: tokens).backward(seed: upstream)
        }
        let gatherIndices = tokens.reshaped([rows, 1])
        let unfusedForward = best { _ = values.logSoftmax(axis: 1).gathered(axis: 1, indices: gatherIndices) }
        let unfusedBoth = best {
            let logits = values.requiringGradient()
            logits.logSoftmax(axis: 1).gathered(axis: 1, indices: gatherIndices).reshaped([rows]).backward(seed: upstream)
        }
        print(String(format: "token log-probabilities %d×%d (%d threads): forward fused %.1f ms vs log_softmax+gather %.1f ms; "
                     + "forward+backward fused %.1f ms vs %.1f ms", rows, vocabulary, Parallel.threadCount, fusedForward, unfusedForward,
                     fusedBoth, unfusedBoth))
    }

    // bfloat16 and float16 logits, read as stored, give exactly what their float32 widening gives,
    // forward and backward.
    @Test func sixteenBitLogitsMatchTheirWidening() throws {
        var generator = RandomGenerator(seed: 31)
        let values = generator.normal([5, 3000], standardDeviation: 3), tokens = generator.randint([5], low: 0, high: 3000)
        let upstream = generator.normal([5])
        for dtype in [DType.bfloat16, .float16] {
            let stored = values.converted(to: dtype).requiringGradient(), widened = stored.detached().converted(to: .float32).requiringGradient()
            let direct = try Tensor.tokenLogProbabilities(logits: stored, tokens: tokens)
            let reference = try Tensor.tokenLogProbabilities(logits: widened, tokens: tokens)
            #expect(direct.scalars == reference.scalars, "\(dtype)")
            direct.backward(seed: upstream)
            reference.backward(seed: upstream)
            #expect(try #require(stored.gradient).scalars == (try #require(widened.gradient).scalars), "\(dtype)")
        }
    }

    // Out-of-range tokens throw a typed error; −inf logits away from the token are fine; a NaN anywhere gives NaN.
    @Test func edgeRows() throws {
        let logits = Tensor([0, -.infinity, 1, 2, -.infinity, -.infinity], shape: [2, 3])
        #expect(throws: TensorError.indexOutOfRange(operation: "tokenLogProbabilities", index: 3, axisSize: 3)) {
            try Tensor.tokenLogProbabilities(logits: logits, tokens: Tensor(indices: [0, 3], shape: [2]))
        }
        let result = try Tensor.tokenLogProbabilities(logits: logits, tokens: Tensor(indices: [2, 0], shape: [2])).scalars
        #expect(Swift.abs(result[0] - (1 - Foundation.log(1 + Foundation.exp(1)))) < 1e-6)
        #expect(result[1] == 0)
        // One NaN beside a finite maximum, one in a block that is otherwise all −inf.
        let withNaN = Tensor([0, .nan, 1] + [Float](repeating: -.infinity, count: 1100) + [1] + [Float](repeating: -.infinity, count: 1100) + [.nan, -.infinity],
                             shape: [2, 1103])
        #expect(try Tensor.tokenLogProbabilities(logits: withNaN, tokens: Tensor(indices: [0, 0], shape: [2])).scalars.allSatisfy(\.isNaN))
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
