import Generation
import NN
import Tensor
import Testing

/// Every row's tokens and log-probabilities, step by step, until the iterator ends.
func generate(_ iterator: inout TokenIterator<TinyDecoder>) throws -> [[GeneratedToken]] {
    var rows: [[GeneratedToken]] = []
    while let step = try iterator.next() {
        if rows.isEmpty { rows = Array(repeating: [], count: step.count) }
        for (row, token) in step.enumerated() { rows[row].append(token) }
    }
    return rows
}

@Suite("TokenIterator")
struct TokenIteratorTests {
    let prompt = Tensor(indices: [7, 3, 19, 4, 42], shape: [1, 5])
    let parameters = SamplingParameters(temperature: 1, topK: 20, topP: 0.95)
    let seeds: [UInt64] = (0..<8).map { 100 + UInt64($0) }

    // One prefill forked into 8 rollouts of 16 tokens gives the tokens of 8 separate runs with the same seeds, and
    // their log-probabilities within 1e-6.
    @Test func forkedRolloutsEqualSeparateRuns() throws {
        let model = TinyDecoder(seed: 1)
        var forked = try TokenIterator(model: model, prompt: prompt, state: TextDecoderState(batch: 1), rollouts: 8,
                                       sampler: CategoricalSampler(parameters: parameters, seeds: seeds), maximumTokens: 16)
        let rollouts = try generate(&forked)
        #expect(rollouts.count == 8 && rollouts.allSatisfy { $0.count == 16 })
        var largestDifference: Float = 0
        for (index, seed) in seeds.enumerated() {
            var single = try TokenIterator(model: model, prompt: prompt, state: TextDecoderState(batch: 1),
                                           sampler: CategoricalSampler(parameters: parameters, seeds: [seed]), maximumTokens: 16)
            let run = try generate(&single)[0]
            #expect(run.map(\.token) == rollouts[index].map(\.token), "rollout \(index) tokens")
            largestDifference = max(largestDifference, zip(run, rollouts[index]).map { abs($0.logProbability - $1.logProbability) }.max()!)
        }
        // Not bit-identical: a decode step multiplies an [8, hidden] batch where a separate run multiplies [1, hidden],
        // and BLAS's summation order depends on the row count (measured: up to 4.8e-7).
        #expect(largestDifference <= 1e-6, "log-probabilities of forked and separate runs differ by up to \(largestDifference)")
        // The rollouts really are different samples, not 8 copies of one.
        #expect(Set(rollouts.map { $0.map(\.token) }).count > 1)
    }

    // With bf16 weights, as real checkpoints store them, a forked rollout is bit for bit a separate run: every
    // product goes through the low-precision linear, whose per-row sums do not depend on how many rows are batched.
    @Test func forkedRolloutsWithBFloat16WeightsAreIdentical() throws {
        let model = TinyDecoder(seed: 1)
        try model.update(parameters: model.parameters().mapValues { $0.converted(to: .bfloat16).detached() })
        var forked = try TokenIterator(model: model, prompt: prompt, state: TextDecoderState(batch: 1), rollouts: 8,
                                       sampler: CategoricalSampler(parameters: parameters, seeds: seeds), maximumTokens: 16)
        let rollouts = try generate(&forked)
        for (index, seed) in seeds.enumerated() {
            var single = try TokenIterator(model: model, prompt: prompt, state: TextDecoderState(batch: 1),
                                           sampler: CategoricalSampler(parameters: parameters, seeds: [seed]), maximumTokens: 16)
            let run = try generate(&single)[0]
            #expect(run.map(\.token) == rollouts[index].map(\.token), "rollout \(index) tokens")
            #expect(run.map(\.logProbability) == rollouts[index].map(\.logProbability), "rollout \(index) log-probabilities")
        }
    }

    // Each token's log-probability from the iterator equals log_softmax(logits / scoring temperature) of a full-sequence
    // forward, gathered at the token.
    @Test(arguments: zip([DType.float32, .bfloat16, .float32], [Float(1), 1, 0.7]))
    func logProbabilitiesEqualFullSequenceScoring(cacheStorage: DType, scoringTemperature: Float) throws {
        let model = TinyDecoder(seed: 2, cacheStorage: cacheStorage)
        var iterator = try TokenIterator(model: model, prompt: prompt, state: TextDecoderState(batch: 1), rollouts: 3,
                                         sampler: CategoricalSampler(parameters: parameters, seeds: [1, 2, 3]), maximumTokens: 16,
                                         scoringTemperature: scoringTemperature)
        let rollouts = try generate(&iterator)
        var largestDifference: Float = 0
        for rollout in rollouts {
            let sequence = prompt.int64Scalars.map(Int.init) + rollout.map(\.token)
            let logits = model.logits(Tensor(indices: sequence, shape: [1, sequence.count]))
            let scores = (scoringTemperature == 1 ? logits : logits / scoringTemperature).logSoftmax(axis: -1).squeezed(0)
            for (step, generated) in rollout.enumerated() {
                let score = scores.sliced(axis: 0, start: prompt.shape[1] - 1 + step, end: prompt.shape[1] + step).scalars[generated.token]
                largestDifference = max(largestDifference, abs(score - generated.logProbability))
            }
        }
        // A bf16 cache rounds the keys and values the decode steps read (measured: 3.4e-4).
        let tolerance: Float = cacheStorage == .float32 ? 1e-6 : 2e-3
        #expect(largestDifference <= tolerance, "iterator vs scoring log-probabilities differ by \(largestDifference)")
    }

    // Prompts of different lengths, left-padded into one batch, continue exactly as each prompt alone (greedy).
    @Test func leftPaddedBatchMatchesSingleRows() throws {
        let model = TinyDecoder(seed: 3)
        let short = [11, 12, 13], long = [21, 22, 23, 24, 25, 26]
        let padded = Tensor(indices: [0, 0, 0] + short + long, shape: [2, 6])
        var batch = try TokenIterator(model: model, prompt: padded, state: TextDecoderState(batch: 2), sampler: ArgmaxSampler(),
                                      maximumTokens: 8)
        let batched = try generate(&batch)
        for (row, tokens) in [short, long].enumerated() {
            var single = try TokenIterator(model: model, prompt: Tensor(indices: tokens, shape: [1, tokens.count]),
                                           state: TextDecoderState(batch: 1), sampler: ArgmaxSampler(), maximumTokens: 8)
            let alone = try generate(&single)[0]
            #expect(alone.map(\.token) == batched[row].map(\.token), "row \(row) tokens")
            let difference = zip(alone, batched[row]).map { abs($0.logProbability - $1.logProbability) }.max()!
            #expect(difference <= 1e-5, "row \(row) log-probabilities differ by \(difference)")
        }
    }

    // Generation stops once every row has produced a stop token, and the repetition penalty sees the forked rows' prompts.
    @Test func stopsAndProcesses() throws {
        let model = TinyDecoder(seed: 4)
        var greedy = try TokenIterator(model: model, prompt: prompt, state: TextDecoderState(batch: 1), sampler: ArgmaxSampler(),
                                       maximumTokens: 4)
        let first = try #require(try greedy.next())[0].token
        var stopping = try TokenIterator(model: model, prompt: prompt, state: TextDecoderState(batch: 1), rollouts: 2,
                                         sampler: ArgmaxSampler(), processors: [RepetitionPenalty(penalty: 1)],
                                         maximumTokens: 10, stopTokens: [first])
        let rows = try generate(&stopping)
        #expect(rows.count == 2 && rows[0].count == 1 && rows[0][0].token == first)
        #expect(throws: GenerationError.self) {
            _ = try TokenIterator(model: model, prompt: prompt, state: TextDecoderState(batch: 1), sampler: ArgmaxSampler(), maximumTokens: 0)
        }
    }
}
