// The VANS-Synth preset of the Qwen2.5-VL architecture: validates, takes its vocabulary and token ids from a
// tokenizer trained like `vans train-tokenizer`, and writes a config.json that our loader reads back.
import Checkpoints
import Foundation
import TestSupport
import Testing
import Tokenizers
@testable import QwenVL

@Suite struct QwenVLPresetTests {
    /// A tokenizer trained the way `vans train-tokenizer` trains one (Qwen2.5-VL layout).
    static func synthTokenizer() throws -> Tokenizer {
        let lines = ["A red ball rolls to the left wall and bounces back.",
                     "[Think]The ball moves left fast.[/Think][Ans]The ball hits the wall and bounces.[/Ans]",
                     "What happens next in the video?", "The blue square falls onto the floor."]
        let trained = try BPETrainer(vocabularySize: 300, minimumFrequency: 1).train(texts: lines, preset: .qwen2VL)
        return try trained.tokenizer()
    }

    // The preset validates, its vocabulary is the tokenizer's, and every special id is the tokenizer's id.
    @Test func validatesWithTrainedTokenizer() throws {
        let tokenizer = try Self.synthTokenizer()
        let preset = try QwenVLPreset.vansSynth(tokenizer: tokenizer)
        try preset.configuration.validate()
        #expect(preset.configuration.text.vocabularySize == tokenizer.vocabularySize)
        #expect(preset.configuration.videoTokenId == tokenizer.id(for: "<|video_pad|>"))
        #expect(preset.configuration.imageTokenId == tokenizer.id(for: "<|image_pad|>"))
        #expect(preset.configuration.visionStartTokenId == tokenizer.id(for: "<|vision_start|>"))
        #expect(preset.stopTokenIDs == [tokenizer.id(for: "<|im_end|>"), tokenizer.id(for: "<|endoftext|>")])
        // The vision tower's output width feeds the decoder; the window holds whole merged blocks.
        #expect(preset.configuration.vision.outHiddenSize == preset.configuration.text.hiddenSize)
        #expect(preset.configuration.text.mropeSection.reduce(0, +) * 2 == preset.configuration.text.headDimension)
    }

    // The written config.json loads back through the checkpoint loader to the same configuration.
    @Test func writtenConfigRoundTrips() throws {
        let preset = try QwenVLPreset.vansSynth(tokenizer: try Self.synthTokenizer())
        let directory = ScratchDirectory.root.appendingPathComponent("qwen-preset-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try preset.write(to: directory)
        let loaded = try QwenVLConfiguration.load(from: directory.appendingPathComponent("config.json"))
        #expect(loaded == preset.configuration)
        let generation = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("generation_config.json"))) as? [String: Any]
        #expect(generation?["eos_token_id"] as? [Int] == preset.stopTokenIDs)
    }

    // The preset's processor profile turns a 64×64 VANS-Synth frame into a 4×4 patch grid (4 tokens per frame pair).
    @Test func processorProfileFitsSynthFrames() throws {
        let preset = try QwenVLPreset.vansSynth(tokenizer: try Self.synthTokenizer())
        let processor = QwenVLProcessor(tokenizer: try Self.synthTokenizer(), options: preset.processorOptions)
        let frames = syntheticFrames(seed: 3, count: 24, height: 64, width: 64)  // 3 s at 8 fps
        let input = try processor.prepare(question: "What happens next?", frames: frames, videoFPS: 8)
        let grid = try #require(input.videoGrid)
        #expect(grid == VisionGrid(temporal: 3, height: 4, width: 4))
        #expect(input.inputIDs.filter { $0 == preset.configuration.videoTokenId }.count == 12)
    }

    // A tokenizer without the Qwen chat/vision tokens is refused with an error naming the token.
    @Test func tokenizerWithoutVisionTokensThrows() throws {
        let trained = try BPETrainer(vocabularySize: 280, minimumFrequency: 1).train(texts: ["plain text only"], preset: .qwen2VL)
        let tokenizer = try trained.tokenizer()
        // The Qwen2.5-VL layout always carries the tokens; a plain BPE without them must be refused.
        #expect(tokenizer.id(for: "<|video_pad|>") != nil)
        let file = ScratchDirectory.root.appendingPathComponent("plain-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let plain = #"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],"normalizer":null,"pre_tokenizer":null,"post_processor":null,"decoder":null,"model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,"end_of_word_suffix":null,"fuse_unk":false,"byte_fallback":false,"ignore_merges":false,"vocab":{"a":0,"b":1},"merges":[]}}"#
        try Data(plain.utf8).write(to: file)
        #expect(throws: QwenVLError.self) { try QwenVLPreset.vansSynth(tokenizer: try Tokenizer(file: file)) }
    }
}
