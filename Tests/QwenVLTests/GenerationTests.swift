// Generation on QwenVLModel: seeded sampling is reproducible, G rollouts share one prefill without changing what
// each draws, sampled log-probabilities equal the scoring passes, and stop tokens come from generation_config.json.
import Foundation
import TestSupport
import Generation
import NN
import Tensor
import Testing
@testable import QwenVL

@Suite struct QwenVLGenerationTests {
    static func options(samples: Int, seed: UInt64, temperature: Float = 0.9) -> QwenVLSamplingOptions {
        var options = QwenVLSamplingOptions()
        options.samples = samples
        options.temperature = temperature
        options.topP = 0.95
        options.topK = 40
        options.seed = seed
        options.maximumTokens = 12
        options.stopTokens = [94]
        return options
    }

    // The same seed gives the same tokens and log-probabilities, run to run (and a new request on the same model).
    @Test func sameSeedSameTokens() throws {
        let fixture = try QwenLoRAFixture("default_targets")
        let model = try fixture.model()
        var first = QwenVLRequest(input: fixture.input, options: Self.options(samples: 4, seed: 7))
        var second = QwenVLRequest(input: fixture.input, options: Self.options(samples: 4, seed: 7))
        let a = try first.run(model: model), b = try second.run(model: model)
        #expect(a.completions == b.completions)
        #expect(Set(a.completions.map(\.tokens)).count > 1, "four tempered rollouts should not all agree")
        var other = QwenVLRequest(input: fixture.input, options: Self.options(samples: 4, seed: 8))
        #expect(try other.run(model: model).completions != a.completions)
    }

    // Rollout r of a group (one prefill, forked caches) draws exactly what a lone request seeded seed + r draws.
    @Test func forkedRolloutsEqualSeparateRuns() throws {
        let fixture = try QwenLoRAFixture("attention_rank4")
        let model = try fixture.model()
        var group = QwenVLRequest(input: fixture.input, options: Self.options(samples: 3, seed: 11))
        let grouped = try group.run(model: model).completions
        for rollout in 0..<3 {
            var alone = QwenVLRequest(input: fixture.input, options: Self.options(samples: 1, seed: 11 + UInt64(rollout)))
            let single = try alone.run(model: model).completions[0]
            #expect(single.tokens == grouped[rollout].tokens)
            #expect(relativeDifference(single.logProbabilities, grouped[rollout].logProbabilities) <= 1e-5)
        }
    }

    // Per-token log-probabilities of sampled tokens equal both scoring passes (cached block and full forward) within 1e-5.
    @Test func sampledLogProbabilitiesEqualScoring() throws {
        for name in QwenLoRAFixture.names {
            let fixture = try QwenLoRAFixture(name)
            let model = try fixture.model()
            let options = Self.options(samples: 4, seed: 3, temperature: 0.7)
            var request = QwenVLRequest(input: fixture.input, options: options)
            let completions = try request.run(model: model).completions
            let tokens = completions.map(\.tokens)
            let cached = try QwenVLScoring.logProbabilities(model: model, input: fixture.input, completions: tokens, temperature: 0.7)
            let full = try QwenVLScoring.logProbabilityTensor(model: model, input: fixture.input, completions: tokens, temperature: 0.7)
            let longest = tokens.map(\.count).max() ?? 0
            for (row, completion) in completions.enumerated() {
                #expect(relativeDifference(cached[row], completion.logProbabilities) <= 1e-5, "\(name) row \(row) cached")
                let fullRow = Array(full.scalars[(row * longest)..<(row * longest + completion.tokens.count)])
                #expect(relativeDifference(fullRow, completion.logProbabilities) <= 1e-5, "\(name) row \(row) full")
            }
        }
    }

    // With bf16-stored weights (as real checkpoints ship), rollouts still reproduce per seed and their log-probs equal
    // the scoring pass within 1e-5 (weights are widened exactly; compute stays float32).
    @Test func bf16WeightsSampleAndScoreConsistently() throws {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures/qwen_model/bf16_stored", withExtension: nil))
        let model = try QwenVLModel.load(directory: directory)
        let input = QwenVLInput(tokens: [[125, 7, 19, 33, 64, 2, 90]])
        var options = Self.options(samples: 3, seed: 21, temperature: 0.8)
        options.stopTokens = [124]
        var request = QwenVLRequest(input: input, options: options)
        let completions = try request.run(model: model).completions
        var again = QwenVLRequest(input: input, options: options)
        #expect(try again.run(model: model).completions == completions)
        let scores = try QwenVLScoring.logProbabilities(model: model, input: input, completions: completions.map(\.tokens), temperature: 0.8)
        for (row, completion) in completions.enumerated() {
            #expect(relativeDifference(scores[row], completion.logProbabilities) <= 1e-5)
        }
    }

    // Greedy decoding picks, at every step, the argmax of a full forward over the prompt and the tokens so far.
    @Test func greedyEqualsFullForwardArgmax() throws {
        let fixture = try QwenLoRAFixture("default_targets")
        let model = try fixture.model()
        var options = QwenVLSamplingOptions()
        options.maximumTokens = 6
        var request = QwenVLRequest(input: fixture.input, options: options)
        let tokens = try request.run(model: model).completions[0].tokens
        var sequence = fixture.prompt
        for token in tokens {
            var input = fixture.input
            input.tokens = [sequence]
            var (ids, state) = try model.prepare(input)
            let logits = model.logits(ids, state: &state)                                        // [1, L, V]
            let last = logits.sliced(axis: 1, start: sequence.count - 1, end: sequence.count).reshaped([1, -1])
            #expect(Int(last.argmax(axis: 1).int64Scalars[0]) == token)
            sequence.append(token)
        }
    }

    // Reference scoring with adapters disabled equals scoring the model before adapters were added.
    @Test func referenceScoringDisablesAdapters() throws {
        let fixture = try QwenLoRAFixture("default_targets")
        let model = try fixture.model()
        let completions = [fixture.completion, Array(fixture.completion.prefix(3))]
        let base = try QwenVLScoring.logProbabilities(model: model, input: fixture.input, completions: completions)
        let adapters = try QwenVLLoRA.load(into: model, from: fixture.adapterDirectory).adapters
        let adapted = try QwenVLScoring.logProbabilities(model: model, input: fixture.input, completions: completions)
        let reference = try QwenVLScoring.logProbabilities(model: model, input: fixture.input, completions: completions,
                                                           adapters: adapters, adaptersDisabled: true)
        #expect(reference == base)
        #expect(adapted != base)
    }

    // With a vocabulary limit (the tokenizer's size), padding rows of the embedding are never sampled, and the
    // reported log-probabilities still equal scoring under the model's own distribution.
    @Test func vocabularyLimitMasksPaddingRows() throws {
        let fixture = try QwenLoRAFixture("attention_rank4")
        let model = try fixture.model()
        var options = Self.options(samples: 4, seed: 5, temperature: 1.5)
        options.topK = 0
        options.topP = 1
        options.vocabularyLimit = 40
        var request = QwenVLRequest(input: fixture.input, options: options)
        let completions = try request.run(model: model).completions
        #expect(completions.allSatisfy { $0.tokens.allSatisfy { $0 < 40 } })
        let scores = try QwenVLScoring.logProbabilities(model: model, input: fixture.input, completions: completions.map(\.tokens),
                                                        temperature: 1.5)
        for (row, completion) in completions.enumerated() {
            #expect(relativeDifference(scores[row], completion.logProbabilities) <= 1e-5)
        }
    }

    // Stop tokens: generation_config.json's eos_token_id as a list or an int, else the config's; a bad value throws.
    @Test func stopTokensFromGenerationConfig() throws {
        var configuration = QwenVLConfiguration()
        configuration.text.vocabularySize = 1000
        configuration.text.eosTokenId = 7
        configuration.text.eosTokenIds = [7]
        let directory = ScratchDirectory.root.appendingPathComponent("qwen-stop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try QwenVLStopTokens.load(directory: directory, configuration: configuration) == [7])
        let file = directory.appendingPathComponent("generation_config.json")
        for (text, expected) in [(#"{"eos_token_id": [5, 3]}"#, Set([5, 3])), (#"{"eos_token_id": 9}"#, [9]), (#"{"do_sample": true}"#, [7])] {
            try Data(text.utf8).write(to: file)
            #expect(try QwenVLStopTokens.load(directory: directory, configuration: configuration) == expected)
        }
        for bad in [#"{"eos_token_id": "x"}"#, #"{"eos_token_id": [5000]}"#, "not json"] {
            try Data(bad.utf8).write(to: file)
            #expect(throws: QwenVLError.self) { try QwenVLStopTokens.load(directory: directory, configuration: configuration) }
        }
    }

    // Impossible options are refused before any work: several greedy samples, non-positive budgets, top-p outside (0, 1].
    @Test func badOptionsThrow() throws {
        var options = QwenVLSamplingOptions()
        options.samples = 4
        #expect(throws: QwenVLError.self) { try options.validate() }
        options = QwenVLSamplingOptions()
        options.maximumTokens = 0
        #expect(throws: QwenVLError.self) { try options.validate() }
        options = QwenVLSamplingOptions()
        options.topP = 0
        #expect(throws: QwenVLError.self) { try options.validate() }
    }
}

/// Timing probe for GRPO groups (run by hand: `VANS_GROUP_PROBE=1 swift test --filter QwenGroupProbe`): G = 8
/// rollouts from one prefill against 8 separate requests, on an 8-layer, width-512 decoder with a 1536-token prompt.
@Suite struct QwenGroupProbe {
    // The forked group draws the same tokens as the separate requests; the timings are printed.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VANS_GROUP_PROBE"] != nil))
    func groupVersusSeparate() throws {
        let model = try probeModel()
        let input = QwenVLInput(tokens: [(0..<1536).map { ($0 * 7919) % 990 }])
        var options = QwenVLSamplingOptions()
        (options.samples, options.temperature, options.seed, options.maximumTokens) = (8, 1, 100, 32)
        var group = QwenVLRequest(input: input, options: options)
        let started = Date()
        let grouped = try group.run(model: model)
        let groupSeconds = Date().timeIntervalSince(started)
        var separateSeconds = 0.0
        for rollout in 0..<8 {
            var single = options
            (single.samples, single.seed) = (1, 100 + UInt64(rollout))
            var request = QwenVLRequest(input: input, options: single)
            let begin = Date()
            let result = try request.run(model: model)
            separateSeconds += Date().timeIntervalSince(begin)
            #expect(result.completions[0].tokens == grouped.completions[rollout].tokens)
        }
        print(String(format: "group probe: G=8 × 32 tokens after 1536: one prefill + fork %.2f s (prefill %.2f s, decode %.2f s); 8 separate requests %.2f s",
                     groupSeconds, grouped.prefillSeconds, grouped.decodeSeconds, separateSeconds))
    }
}
