// End to end on a tiny model directory: the VANS-Synth preset instantiated with random weights and the fixture
// tokenizer, a video file, G answers from one prefill, decoded to text.
import Checkpoints
import Foundation
import TestSupport
import NN
import Tensor
import Testing
import Tokenizers
import VideoIO
@testable import QwenVL

@Suite struct QwenVLCaptionerTests {
    /// Writes config.json, generation_config.json, random model.safetensors and the fixture tokenizer into a new
    /// directory (kept at VANS_CAPTION_MODEL_DIR when set, for trying `vans caption` on it).
    static func makeModelDirectory() throws -> URL {
        let tokenizerDirectory = try #require(Bundle.module.url(forResource: "Fixtures/qwen_processor/tokenizer.json", withExtension: nil))
            .deletingLastPathComponent()
        let directory = ProcessInfo.processInfo.environment["VANS_CAPTION_MODEL_DIR"].map { URL(fileURLWithPath: $0) }
            ?? ScratchDirectory.root.appendingPathComponent("qwen-caption-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(file))
            try FileManager.default.copyItem(at: tokenizerDirectory.appendingPathComponent(file), to: directory.appendingPathComponent(file))
        }
        let preset = try QwenVLPreset.vansSynth(tokenizer: try Tokenizer(directory: directory))
        try preset.write(to: directory)
        // Instantiate the preset and give every parameter random values (norm scales near 1).
        let model = QwenVLModel(configuration: preset.configuration)
        var generator = RandomGenerator(seed: 5)
        var weights: [String: Tensor] = [:]
        for (key, tensor) in model.parameters().sorted(by: { $0.key < $1.key }) where !(preset.configuration.text.tieWordEmbeddings && key == "lm_head.weight") {
            let isNorm = key.contains("norm") || key.contains("ln_q")
            weights[key] = isNorm ? generator.uniform(tensor.shape, low: 0.9, high: 1.1) : generator.uniform(tensor.shape, low: -0.15, high: 0.15)
        }
        try SafetensorsWriter.write(tensors: weights, metadata: ["format": "pt"], to: directory.appendingPathComponent("model.safetensors"))
        return directory
    }

    static func writeClip(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("clip.mp4").path
        try VideoWriter.write(syntheticFrames(seed: 4, count: 24, height: 64, width: 64), to: path, fps: 8,
                              options: VideoEncodingOptions(preset: "ultrafast"))
        return path
    }

    // The preset instantiates (every parameter written and loaded back), and a video + question give G answers from
    // one prefill: seeded, decodable, each ending on a stop token or at the budget, log-probs equal to scoring.
    @Test func captionsVideoFile() throws {
        let directory = try Self.makeModelDirectory()
        defer { if ProcessInfo.processInfo.environment["VANS_CAPTION_MODEL_DIR"] == nil { try? FileManager.default.removeItem(at: directory) } }
        let clip = try Self.writeClip(in: directory)
        let preset = try QwenVLPreset.vansSynth(tokenizer: try Tokenizer(directory: directory))
        let captioner = try QwenVLCaptioner(directory: directory, options: preset.processorOptions)
        #expect(captioner.stopTokens == Set(preset.stopTokenIDs))
        var options = QwenVLSamplingOptions()
        options.samples = 3
        options.temperature = 1
        options.seed = 9
        options.maximumTokens = 10
        var phases: [QwenVLCaptioner.Phase] = []
        let caption = try captioner.caption(question: "What happens next?", videoPath: clip, options: options) { phases.append($0) }
        #expect(phases.first == .preparingInput && phases.contains(.prefill(promptTokens: caption.prompt.inputIDs.count)))
        #expect(caption.result.completions.count == 3 && caption.texts.count == 3)
        #expect(caption.prompt.videoGrid == VisionGrid(temporal: 3, height: 4, width: 4))
        for completion in caption.result.completions {
            #expect(completion.tokens.count == 10 || completion.stopped)
        }
        let again = try captioner.caption(question: "What happens next?", videoPath: clip, options: options)
        // The same seed gives the same tokens and texts. Log-probabilities agree to float rounding only: OpenBLAS's
        // sgemm sums differ in the last bits with its thread count (1 vs 2 threads: up to 5e-5 on 37×256×1000),
        // and a caller gets fewer threads while other tests in this process use BLAS at the same time.
        #expect(again.result.completions.map(\.tokens) == caption.result.completions.map(\.tokens) && again.texts == caption.texts)
        for (repeated, first) in zip(again.result.completions, caption.result.completions) {
            #expect(relativeDifference(repeated.logProbabilities, first.logProbabilities) <= 1e-5)
        }
        let scores = try QwenVLScoring.logProbabilities(model: captioner.model, input: caption.prompt.modelInput,
                                                        completions: caption.result.completions.map(\.tokens), temperature: 1)
        for (row, completion) in caption.result.completions.enumerated() {
            #expect(relativeDifference(scores[row], completion.logProbabilities) <= 1e-5)
        }
    }

    // A directory whose tokenizer lacks the chat/vision tokens, or has no weights, is refused with a typed error.
    @Test func badDirectoriesThrow() throws {
        let directory = try Self.makeModelDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.removeItem(at: directory.appendingPathComponent("model.safetensors"))
        #expect(throws: (any Error).self) { try QwenVLCaptioner(directory: directory) }
    }
}
