import Checkpoints
import Foundation
import Testing
@testable import Wan

@Suite("Wan configurations")
struct WanConfigurationTests {
    private func fixture(_ name: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "Fixtures/configuration/\(name)", withExtension: "json"))
    }

    private func expectViolation<Configuration: ModelConfiguration>(_ type: Configuration.Type, _ json: String, key: String) {
        #expect {
            try Configuration.decode(from: Data(json.utf8), file: "bad.json")
        } throws: { error in
            guard case .invalidConfig(let file, let found, _) = error as? CheckpointError else { return false }
            return file == "bad.json" && found == key
        }
    }

    // The T2V-1.3B transformer config gives the reference numbers and the 44:42:42 RoPE split.
    @Test func readsTransformer() throws {
        let configuration = try WanTransformerConfiguration.load(from: fixture("wan21_t2v_1_3b_transformer"))
        #expect(configuration.hiddenSize == 1536 && configuration.attentionHeads == 12 && configuration.layers == 30)
        #expect(configuration.feedForwardDimension == 8960 && configuration.patchSize == [1, 2, 2])
        #expect(configuration.ropeAxisDimensions == [44, 42, 42])
        #expect(configuration.queryKeyNorm == "rms_norm_across_heads" && configuration.imageDimension == nil)
        #expect(try WanTransformerConfiguration.decode(from: JSONEncoder().encode(configuration), file: "x") == configuration)
    }

    // The VAE defaults (diffusers) carry 16 latent means/stds and the (4, 8, 8) stride.
    @Test func readsVAE() throws {
        let configuration = try WanVAEConfiguration.load(from: fixture("wan21_vae"))
        #expect(configuration.latentChannels == 16 && configuration.latentsMean.count == 16)
        #expect(configuration.temporalDownsample == [false, true, true])
        #expect(configuration.temporalScaleFactor == 4 && configuration.spatialScaleFactor == 8)
        #expect(configuration.latentsStandardDeviation.last == 1.916)
    }

    // The umT5-XXL encoder config gives 4096 wide, 64 heads of 64, 24 layers.
    @Test func readsUMT5() throws {
        let configuration = try UMT5Configuration.load(from: fixture("umt5_xxl"))
        #expect(configuration.modelDimension == 4096 && configuration.innerDimension == 4096)
        #expect(configuration.layers == 24 && configuration.feedForwardDimension == 10240 && configuration.vocabularySize == 256384)
        #expect(configuration.relativeAttentionBuckets == 32 && configuration.feedForwardProjection == "gated-gelu")
    }

    // Impossible combinations are rejected naming the key.
    @Test func rejectsImpossibleCombinations() {
        expectViolation(WanTransformerConfiguration.self, #"{"patch_size": [2, 2]}"#, key: "patch_size")
        expectViolation(WanTransformerConfiguration.self, #"{"attention_head_dim": 127}"#, key: "attention_head_dim")
        expectViolation(WanTransformerConfiguration.self, #"{"qk_norm": "layer_norm"}"#, key: "qk_norm")
        expectViolation(WanTransformerConfiguration.self, #"{"added_kv_proj_dim": 5120}"#, key: "added_kv_proj_dim")
        expectViolation(WanVAEConfiguration.self, #"{"z_dim": 8}"#, key: "latents_mean")
        expectViolation(WanVAEConfiguration.self, #"{"temperal_downsample": [true]}"#, key: "temperal_downsample")
        expectViolation(WanVAEConfiguration.self, #"{"scale_factor_temporal": 8}"#, key: "scale_factor_temporal")
        expectViolation(WanVAEConfiguration.self, #"{"is_residual": true}"#, key: "is_residual")
        expectViolation(UMT5Configuration.self, #"{"feed_forward_proj": "relu"}"#, key: "feed_forward_proj")
        expectViolation(UMT5Configuration.self, #"{"relative_attention_num_buckets": 30}"#, key: "relative_attention_num_buckets")
    }

    // Malformed JSON and wrong types are errors naming the file and key.
    @Test func rejectsMalformedJSON() {
        expectViolation(WanTransformerConfiguration.self, #"{"num_layers": 30"#, key: "(document)")
        expectViolation(WanVAEConfiguration.self, #"{"dim_mult": [1, "two"]}"#, key: "dim_mult.1")
    }

    // An explicit null qk_norm turns q/k normalisation off rather than restoring the default.
    @Test func nullQueryKeyNormMeansNone() throws {
        let configuration = try WanTransformerConfiguration.decode(from: Data(#"{"qk_norm": null}"#.utf8), file: "c.json")
        #expect(configuration.queryKeyNorm == nil)
    }
}
