import Testing
@testable import Tensor

@Suite("Random generators and sampling")
struct RandomAndSamplingTests {
    // The same seed gives bit-identical draws, and successive draws differ (the counter advances).
    @Test func seededDrawsReproduce() {
        var first = RandomGenerator(seed: 42), second = RandomGenerator(seed: 42)
        let a = first.normal([1000]), b = second.normal([1000])
        #expect(a.scalars.map(\.bitPattern) == b.scalars.map(\.bitPattern))
        #expect(first.normal([1000]).scalars != a.scalars)
        #expect(first.offset == 2000)
    }

    // Element i depends only on (seed, offset + i): drawing in two pieces equals drawing at once,
    // which is what makes draws independent of the thread partition.
    @Test func drawsIndependentOfPartition() {
        var whole = RandomGenerator(seed: 7), pieces = RandomGenerator(seed: 7)
        let all = whole.uniform([300_000]).scalars
        let split = pieces.uniform([100_000]).scalars + pieces.uniform([200_000]).scalars
        #expect(all == split)
    }

    // Sample moments match the distributions (loose statistical bounds on 200k draws).
    @Test func distributionsHaveExpectedMoments() {
        var generator = RandomGenerator(seed: 3)
        let normal = generator.normal([200_000], mean: 1, standardDeviation: 2)
        #expect(Swift.abs(normal.mean().item - 1) < 0.02)
        #expect(Swift.abs(normal.variance().item.squareRoot() - 2) < 0.02)
        let uniform = generator.uniform([200_000], low: -1, high: 3).scalars
        #expect(uniform.allSatisfy { $0 >= -1 && $0 < 3 })
        #expect(Swift.abs(uniform.reduce(0, +) / 200_000 - 1) < 0.02)
        let ints = generator.randint([10_000], low: -2, high: 3).int64Scalars
        #expect(Set(ints) == [-2, -1, 0, 1, 2])
        let coins = generator.bernoulli(Tensor.full([100_000], value: 0.25)).scalars
        #expect(Swift.abs(coins.reduce(0, +) / 100_000 - 0.25) < 0.01)
    }

    // multinomial respects zero weights, frequencies and distinctness without replacement; bad rows throw.
    @Test func multinomial() throws {
        var generator = RandomGenerator(seed: 11)
        let weights = Tensor([0, 1, 3, 0], shape: [4])
        let draws = try generator.multinomial(weights, count: 20_000, replacement: true).int64Scalars
        #expect(Set(draws) == [1, 2])
        #expect(Swift.abs(Float(draws.filter { $0 == 2 }.count) / 20_000 - 0.75) < 0.02)
        let distinct = try generator.multinomial(Tensor([1, 2, 3, 4, 5], shape: [1, 5]), count: 5, replacement: false)
        #expect(distinct.shape == [1, 5] && Set(distinct.int64Scalars) == [0, 1, 2, 3, 4])
        #expect(throws: TensorError.self) { try generator.multinomial(weights, count: 3, replacement: false) }
        #expect(throws: TensorError.self) { try generator.multinomial(Tensor([0, -1], shape: [2]), count: 1, replacement: true) }
    }

    // Temperature → top-k → top-p filtering matches transformers' logits warpers.
    @Test func filtersMatchTransformers() throws {
        let fixture = ReferenceFixture.shared
        let logits = try fixture.tensor("sampling.in.logits"), expected = try fixture.tensor("sampling.out")
        let parameters = SamplingParameters(temperature: 0.7, topK: 8, topP: 0.8)
        let rows = logits.shape[0], vocabulary = logits.shape[1]
        let filtered = (0..<rows).flatMap { row in
            Sampling.filteredLogits(Array(logits.scalars[(row * vocabulary)..<((row + 1) * vocabulary)]), parameters: parameters)
        }
        let reference = expected.scalars
        #expect(filtered.map(\.isInfinite) == reference.map(\.isInfinite))
        #expect(relativeError(filtered.map { $0.isInfinite ? 0 : $0 }, reference.map { $0.isInfinite ? 0 : $0 }) <= 1e-5)
    }

    // Greedy picks the argmax; seeded sampling reproduces and only returns tokens that survive filtering.
    @Test func sampleTokens() throws {
        let logits = Tensor([0.1, 2.0, -1, 1.9, 0.5, 1.95], shape: [1, 6])
        var generator = RandomGenerator(seed: 5)
        #expect(try Sampling.sample(logits: logits, parameters: .greedy, generator: &generator) == [1])
        var first = RandomGenerator(seed: 9), second = RandomGenerator(seed: 9)
        let parameters = SamplingParameters(temperature: 1, topK: 3)
        let a = try (0..<50).map { _ in try Sampling.sample(logits: logits, parameters: parameters, generator: &first)[0] }
        let b = try (0..<50).map { _ in try Sampling.sample(logits: logits, parameters: parameters, generator: &second)[0] }
        #expect(a == b)
        #expect(Set(a).isSubset(of: [1, 3, 5]))
    }
}
