import Checkpoints
import Foundation
import Testing
@testable import QwenVL

@Suite("Qwen2.5-VL configuration")
struct QwenVLConfigurationTests {
    private func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures/configuration/\(name)", withExtension: "json"))
    }

    // The hub config.json of Qwen2.5-VL-3B yields the reference numbers (qwen25vl.md), including tokens_per_second 2.
    @Test func readsHubLayout() throws {
        let configuration = try QwenVLConfiguration.load(from: fixture("qwen25vl_3b_hub"))
        let text = configuration.text, vision = configuration.vision
        #expect(text.hiddenSize == 2048 && text.hiddenLayers == 36 && text.attentionHeads == 16 && text.keyValueHeads == 2)
        #expect(text.headDimension == 128 && text.intermediateSize == 11008 && text.vocabularySize == 151936)
        #expect(text.ropeTheta == 1_000_000 && text.mropeSection == [16, 24, 24] && text.rmsNormEpsilon == 1e-6)
        #expect(text.tieWordEmbeddings && !text.useSlidingWindow && text.maxPositionEmbeddings == 128000)
        #expect(vision.depth == 32 && vision.hiddenSize == 1280 && vision.headDimension == 80 && vision.intermediateSize == 3420)
        #expect(vision.tokensPerSecond == 2 && vision.windowSize == 112 && vision.outHiddenSize == 2048)
        #expect(vision.fullAttentionBlockIndexes == [7, 15, 23, 31] && vision.inputChannels == 3)
        #expect(configuration.videoTokenId == 151656 && configuration.imageTokenId == 151655)
    }

    // transformers' own re-serialisation (text_config, rope_parameters) decodes to the same configuration.
    @Test func transformersLayoutMatchesHubLayout() throws {
        let hub = try QwenVLConfiguration.load(from: fixture("qwen25vl_3b_hub"))
        let nested = try QwenVLConfiguration.load(from: fixture("qwen25vl_3b_transformers"))
        #expect(hub == nested)
    }

    // Encoding then decoding is the identity.
    @Test func encodeDecodeRoundTrip() throws {
        let hub = try QwenVLConfiguration.load(from: fixture("qwen25vl_3b_hub"))
        let data = try JSONEncoder().encode(hub)
        #expect(try QwenVLConfiguration.decode(from: data, file: "round-trip") == hub)
    }

    // Missing keys take the reference's code defaults (e.g. tokens_per_second 4, kv heads = heads).
    @Test func appliesReferenceDefaults() throws {
        let configuration = try QwenVLConfiguration.decode(
            from: Data(#"{"hidden_size": 2048, "num_attention_heads": 16, "vision_config": {"out_hidden_size": 2048}}"#.utf8), file: "c.json")
        #expect(configuration.text.keyValueHeads == 16)
        #expect(configuration.vision.tokensPerSecond == 4)
        #expect(configuration.text.mropeSection == [16, 24, 24])
    }

    // Impossible combinations are rejected naming the key.
    @Test func rejectsImpossibleCombinations() throws {
        let cases: [(String, String)] = [
            (#"{"hidden_size": 2048, "num_attention_heads": 15}"#, "hidden_size"),
            (#"{"hidden_size": 2048, "num_attention_heads": 16, "num_key_value_heads": 3, "vision_config": {"out_hidden_size": 2048}}"#, "num_attention_heads"),
            (#"{"hidden_size": 2048, "num_attention_heads": 16, "rope_scaling": {"mrope_section": [16, 24, 23]}, "vision_config": {"out_hidden_size": 2048}}"#, "rope_scaling.mrope_section"),
            (#"{"hidden_size": 2048, "num_attention_heads": 16, "vision_config": {"out_hidden_size": 1024}}"#, "vision_config.out_hidden_size"),
            (#"{"hidden_size": 2048, "num_attention_heads": 16, "vision_config": {"out_hidden_size": 2048, "window_size": 100}}"#, "vision_config.window_size"),
            (#"{"hidden_size": 2048, "num_attention_heads": 16, "vision_config": {"out_hidden_size": 2048, "fullatt_block_indexes": [40]}}"#, "vision_config.fullatt_block_indexes"),
        ]
        for (json, key) in cases {
            #expect {
                try QwenVLConfiguration.decode(from: Data(json.utf8), file: "bad.json")
            } throws: { error in
                guard case .invalidConfig(let file, let found, _) = error as? CheckpointError else { return false }
                return file == "bad.json" && found == key
            }
        }
    }

    // A wrongly typed value is an error naming the nested key.
    @Test func rejectsWrongTypeNamingKey() throws {
        #expect {
            try QwenVLConfiguration.decode(from: Data(#"{"vision_config": {"depth": "deep"}}"#.utf8), file: "bad.json")
        } throws: { error in
            guard case .invalidConfig(_, let key, _) = error as? CheckpointError else { return false }
            return key == "vision_config.depth"
        }
    }
}
