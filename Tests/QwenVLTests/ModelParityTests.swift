// Golden parity of the whole Qwen2.5-VL model against transformers 5.25 on tiny random checkpoints
// (scripts/fixtures/qwen_model.py): logits of text, image, video and mixed prompts, greedy continuations,
// and prefill-then-cached-decode against the full forward.
import Checkpoints
import Foundation
import Generation
import Tensor
import Testing
@testable import QwenVL

/// Locates the fixture directories and reads their prompts.
enum QwenModelFixtures {
    static let cases = ["hub_tied", "nested_untied", "bf16_stored", "gqa_merge3"]
    static let prompts = ["text", "image", "video", "two_videos_image"]

    static func directory(_ name: String) throws -> URL {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/qwen_model/\(name)", withExtension: nil))
        return url
    }

    static func file(_ name: String, _ prompt: String, _ kind: String) throws -> SafetensorsFile {
        try SafetensorsFile(url: directory(name).appendingPathComponent("\(prompt).\(kind).safetensors"))
    }

    /// max |a − b| ÷ max |b|.
    static func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
        let scale = expected.map(abs).max() ?? 1
        return zip(actual, expected).map { abs($0 - $1) }.max()! / scale
    }
}

@Suite("Qwen2.5-VL model parity")
struct QwenVLModelParityTests {
    // The prompt's logits equal transformers' within 1e-4 of the largest logit, for every layout/config/prompt.
    @Test(arguments: QwenModelFixtures.cases)
    func logitsMatchTransformers(caseName: String) throws {
        let model = try QwenVLModel.load(directory: QwenModelFixtures.directory(caseName))
        for prompt in QwenModelFixtures.prompts {
            let input = try QwenVLInput(conformanceFile: QwenModelFixtures.file(caseName, prompt, "inputs"))
            let expected = try QwenModelFixtures.file(caseName, prompt, "expected").tensor("logits")
            var (tokens, state) = try model.prepare(input)
            let logits = model.logits(tokens, state: &state).squeezed(0)
            #expect(logits.shape == expected.shape, "\(caseName)/\(prompt)")
            let error = QwenModelFixtures.relativeError(logits.scalars, expected.scalars)
            #expect(error < 1e-4, "\(caseName)/\(prompt): relative error \(error)")
        }
    }

    // Greedy decoding through the KV cache gives transformers' generate() tokens exactly.
    @Test(arguments: QwenModelFixtures.cases)
    func greedyContinuationsMatchTransformers(caseName: String) throws {
        let model = try QwenVLModel.load(directory: QwenModelFixtures.directory(caseName))
        for prompt in QwenModelFixtures.prompts {
            let input = try QwenVLInput(conformanceFile: QwenModelFixtures.file(caseName, prompt, "inputs"))
            let expected = try QwenModelFixtures.file(caseName, prompt, "expected").tensor("greedy_tokens").int64Scalars.map(Int.init)
            let (tokens, state) = try model.prepare(input)
            var iterator = try TokenIterator(model: model, prompt: tokens, state: state, sampler: ArgmaxSampler(),
                                             maximumTokens: expected.count, stopTokens: [model.configuration.text.eosTokenId])
            var generated: [Int] = []
            while let next = try iterator.next() { generated.append(next[0].token) }
            #expect(generated == expected, "\(caseName)/\(prompt)")
        }
    }

    // Prefill then cached single-token steps give the same logits as one full forward over prompt + continuation.
    @Test(arguments: QwenModelFixtures.cases)
    func cachedDecodeEqualsFullForward(caseName: String) throws {
        let model = try QwenVLModel.load(directory: QwenModelFixtures.directory(caseName))
        var input = try QwenVLInput(conformanceFile: QwenModelFixtures.file(caseName, "two_videos_image", "inputs"))
        let continuation = [3, 77, 5, 101]
        var (tokens, state) = try model.prepare(input)
        let caches = model.makeCaches()
        var stepped = [model.prefill(tokens, caches: caches, state: &state)]
        for token in continuation.dropLast() {
            stepped.append(model.step(Tensor(indices: [token], shape: [1]), caches: caches, state: &state))
        }
        input.tokens[0] += continuation.dropLast()
        var full: QwenVLState
        (tokens, full) = try model.prepare(input)
        let logits = model.logits(tokens, state: &full).squeezed(0)                              // [L, V]
        let promptLength = tokens.shape[1] - continuation.count + 1
        for (offset, step) in stepped.enumerated() {
            let row = logits.sliced(axis: 0, start: promptLength - 1 + offset, end: promptLength + offset).scalars
            let error = QwenModelFixtures.relativeError(step.scalars, row)
            #expect(error < 1e-5, "\(caseName) step \(offset): \(error)")
        }
    }
}

@Suite("Qwen2.5-VL batching")
struct QwenVLBatchingTests {
    // A left-padded batch (a video prompt beside a shorter, padded text prompt) gives each row the logits it gets
    // alone, in the prompt and in a cached decode step: padding is masked and positions count real tokens only.
    @Test func leftPaddedBatchEqualsSeparateRows() throws {
        let model = try QwenVLModel.load(directory: QwenModelFixtures.directory("nested_untied"))
        let video = try QwenVLInput(conformanceFile: QwenModelFixtures.file("nested_untied", "video", "inputs"))
        let text = try QwenVLInput(conformanceFile: QwenModelFixtures.file("nested_untied", "text", "inputs"))
        let padding = video.tokens[0].count - text.tokens[0].count
        let batch = QwenVLInput(tokens: [video.tokens[0], Array(repeating: 0, count: padding) + text.tokens[0]],
                                leadingPadding: [0, padding], videos: video.videos, secondsPerGrid: video.secondsPerGrid)
        let (tokens, preparedBatch) = try model.prepare(batch)
        var state = preparedBatch
        let caches = model.makeCaches()
        let prefilled = model.prefill(tokens, caches: caches, state: &state)                      // [2, V]
        let stepped = model.step(Tensor(indices: [7, 7], shape: [2]), caches: caches, state: &state)
        for (row, single) in [video, text].enumerated() {
            let (rowTokens, preparedState) = try model.prepare(single)
            var rowState = preparedState
            let rowCaches = model.makeCaches()
            let alonePrefill = model.prefill(rowTokens, caches: rowCaches, state: &rowState)
            let aloneStep = model.step(Tensor(indices: [7], shape: [1]), caches: rowCaches, state: &rowState)
            let prefillError = QwenModelFixtures.relativeError(prefilled.sliced(axis: 0, start: row, end: row + 1).scalars, alonePrefill.scalars)
            let stepError = QwenModelFixtures.relativeError(stepped.sliced(axis: 0, start: row, end: row + 1).scalars, aloneStep.scalars)
            #expect(prefillError < 1e-5 && stepError < 1e-5, "row \(row): prefill \(prefillError), step \(stepError)")
        }
    }
}
