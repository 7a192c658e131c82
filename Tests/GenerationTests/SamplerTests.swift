import Generation
import Tensor
import Testing

@Suite("Samplers and logit processors")
struct SamplerTests {
    // Argmax picks each row's largest logit.
    @Test func argmaxPicksTheMaximum() throws {
        var sampler = ArgmaxSampler()
        #expect(try sampler.sample(Tensor([0, 3, 1, 5, -1, 2], shape: [2, 3])) == [1, 0])
    }

    // Row r of a batch draws what a batch-1 sampler seeded like row r draws, step after step.
    @Test func rowsDrawLikeSeparatelySeededRuns() throws {
        var random = RandomGenerator(seed: 4)
        let parameters = SamplingParameters(temperature: 0.8, topK: 10, topP: 0.9)
        var batched = CategoricalSampler(parameters: parameters, seeds: [5, 6, 7])
        var separate = [5, 6, 7].map { CategoricalSampler(parameters: parameters, seeds: [$0]) }
        for _ in 0..<5 {
            let logits = random.normal([3, 30]) * 3
            let tokens = try batched.sample(logits)
            for row in 0..<3 {
                #expect(try separate[row].sample(logits.sliced(axis: 0, start: row, end: row + 1)) == [tokens[row]])
            }
        }
    }

    // transformers' repetition penalty: seen tokens' positive logits are divided, negative ones multiplied; others stay.
    @Test func repetitionPenaltyScalesSeenTokens() {
        var penalty = RepetitionPenalty(penalty: 2)
        penalty.prompt([[0], [2]])
        penalty.didSample([1, 2])
        let processed = penalty.process(Tensor([4, -4, 4, 4, -4, 4], shape: [2, 3]))
        #expect(processed.scalars == [2, -8, 4, 4, -4, 2])
    }

    // Sampling a row whose logits are all -inf is a typed error, not a trap.
    @Test func impossibleRowsThrow() {
        var sampler = CategoricalSampler(parameters: SamplingParameters(), seeds: [1])
        #expect(throws: GenerationError.self) { try sampler.sample(Tensor([-.infinity, -.infinity], shape: [1, 2])) }
    }
}
