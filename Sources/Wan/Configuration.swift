// Mirrors diffusers' WanTransformer3DModel and AutoencoderKLWan `__init__` arguments
// (diffusers/models/transformers/transformer_wan.py, autoencoders/autoencoder_kl_wan.py) and
// transformers' UMT5Config (transformers/models/umt5/configuration_umt5.py). Defaults are the
// reference's code defaults; the hub files of Wan2.1-T2V-1.3B-Diffusers override them.
import Checkpoints
import Foundation

/// The Wan2.1 diffusion transformer (diffusers `transformer/config.json`).
public struct WanTransformerConfiguration: ModelConfiguration, Equatable {
    /// (frames, height, width) patch of the 3-D patch embedding.
    public var patchSize = [1, 2, 2]
    public var attentionHeads = 40
    public var attentionHeadDimension = 128
    public var inputChannels = 16
    public var outputChannels = 16
    public var textDimension = 4096
    /// Width of the sinusoidal timestep embedding.
    public var frequencyDimension = 256
    public var feedForwardDimension = 13824
    public var layers = 40
    /// Whether the cross-attention branch has an affine LayerNorm.
    public var crossAttentionNorm = true
    /// q/k normalisation; Wan uses RMSNorm over all heads together.
    public var queryKeyNorm: String? = "rms_norm_across_heads"
    public var epsilon = 1e-6
    /// CLIP image-embedding width for I2V models (absent for T2V).
    public var imageDimension: Int?
    public var addedKeyValueProjectionDimension: Int?
    public var ropeMaxSequenceLength = 1024
    /// How reference frames condition the model (a VANS key, `vans_conditioning`; diffusers ignores it).
    public var conditioning = WanConditioningConfiguration()

    public init() {}

    /// Whether `input` = 2·`output` + 4 (noisy | mask | condition), without overflowing on hostile configs.
    static func isImageToVideoLayout(input: Int, output: Int) -> Bool {
        let (doubled, overflow) = output.multipliedReportingOverflow(by: 2)
        let (sum, overflowAgain) = doubled.addingReportingOverflow(4)
        return !overflow && !overflowAgain && input == sum
    }

    /// The model width, heads × head dimension.
    public var hiddenSize: Int { attentionHeads * attentionHeadDimension }

    /// Real dims of the 3-D RoPE per axis (t, h, w): d − 4⌊d/6⌋, 2⌊d/6⌋, 2⌊d/6⌋.
    public var ropeAxisDimensions: [Int] {
        let spatial = 2 * (attentionHeadDimension / 6)
        return [attentionHeadDimension - 2 * spatial, spatial, spatial]
    }

    enum CodingKeys: String, CodingKey {
        case patchSize = "patch_size", attentionHeads = "num_attention_heads", attentionHeadDimension = "attention_head_dim"
        case inputChannels = "in_channels", outputChannels = "out_channels", textDimension = "text_dim"
        case frequencyDimension = "freq_dim", feedForwardDimension = "ffn_dim", layers = "num_layers"
        case crossAttentionNorm = "cross_attn_norm", queryKeyNorm = "qk_norm", epsilon = "eps"
        case imageDimension = "image_dim", addedKeyValueProjectionDimension = "added_kv_proj_dim"
        case ropeMaxSequenceLength = "rope_max_seq_len", conditioning = "vans_conditioning"
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.update(&patchSize, .patchSize)
        try container.update(&attentionHeads, .attentionHeads)
        try container.update(&attentionHeadDimension, .attentionHeadDimension)
        try container.update(&inputChannels, .inputChannels)
        try container.update(&outputChannels, .outputChannels)
        try container.update(&textDimension, .textDimension)
        try container.update(&frequencyDimension, .frequencyDimension)
        try container.update(&feedForwardDimension, .feedForwardDimension)
        try container.update(&layers, .layers)
        try container.update(&crossAttentionNorm, .crossAttentionNorm)
        // An explicit null turns q/k normalisation off, so null is not "use the default" here.
        if container.contains(.queryKeyNorm) { queryKeyNorm = try container.decodeIfPresent(String.self, forKey: .queryKeyNorm) }
        try container.update(&epsilon, .epsilon)
        imageDimension = try container.decodeIfPresent(Int.self, forKey: .imageDimension)
        addedKeyValueProjectionDimension = try container.decodeIfPresent(Int.self, forKey: .addedKeyValueProjectionDimension)
        try container.update(&ropeMaxSequenceLength, .ropeMaxSequenceLength)
        // Without a recorded choice, an I2V-shaped input (2·out + 4 channels) means the channel layout.
        if let recorded = try container.decodeIfPresent(WanConditioningConfiguration.self, forKey: .conditioning) {
            conditioning = recorded
        } else if Self.isImageToVideoLayout(input: inputChannels, output: outputChannels) {
            conditioning.mode = .channel
        }
    }

    public func validate() throws(ConfigurationViolation) {
        guard patchSize.count == 3, patchSize.allSatisfy({ $0 > 0 }) else {
            throw ConfigurationViolation(key: "patch_size", reason: "\(patchSize) must be three positive sizes (frames, height, width)")
        }
        try Require.positive(attentionHeads, "num_attention_heads")
        try Require.positive(attentionHeadDimension, "attention_head_dim")
        guard attentionHeadDimension % 2 == 0, attentionHeadDimension >= 6 else {
            throw ConfigurationViolation(key: "attention_head_dim", reason: "\(attentionHeadDimension) must be even and ≥ 6 for the 3-D rotary split")
        }
        try Require.positive(inputChannels, "in_channels")
        try Require.positive(outputChannels, "out_channels")
        try Require.positive(textDimension, "text_dim")
        try Require.positive(frequencyDimension, "freq_dim")
        guard frequencyDimension % 2 == 0 else {
            throw ConfigurationViolation(key: "freq_dim", reason: "\(frequencyDimension) must be even (cos and sin halves)")
        }
        try Require.positive(feedForwardDimension, "ffn_dim")
        try Require.positive(layers, "num_layers")
        try Require.positive(epsilon, "eps")
        try Require.positive(ropeMaxSequenceLength, "rope_max_seq_len")
        if let queryKeyNorm { try Require.oneOf(queryKeyNorm, ["rms_norm_across_heads"], "qk_norm") }
        try Require.positive(conditioning.referenceFrames, "vans_conditioning.reference_frames")
        if conditioning.mode == .channel, !Self.isImageToVideoLayout(input: inputChannels, output: outputChannels) {
            throw ConfigurationViolation(key: "vans_conditioning.mode",
                                         reason: "channel conditioning needs in_channels = 2·out_channels + 4, found \(inputChannels)")
        }
        if addedKeyValueProjectionDimension != nil, imageDimension == nil {
            throw ConfigurationViolation(key: "added_kv_proj_dim", reason: "image key/value projections need image_dim to be set")
        }
    }
}

/// Wan2.1's causal 3-D VAE (diffusers `vae/config.json`).
public struct WanVAEConfiguration: ModelConfiguration, Equatable {
    public var baseDimension = 96
    public var decoderBaseDimension: Int?
    /// Latent channels.
    public var latentChannels = 16
    public var dimensionMultipliers = [1, 2, 4, 4]
    public var residualBlocks = 2
    public var attentionScales: [Double] = []
    /// Which down-sampling stages also halve time (diffusers spells the key `temperal_downsample`).
    public var temporalDownsample = [false, true, true]
    public var dropout = 0.0
    public var latentsMean = [-0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508,
                              0.4134, -0.0715, 0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921]
    public var latentsStandardDeviation = [2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743,
                                           3.2687, 2.1526, 2.8652, 1.5579, 1.6382, 1.1253, 2.8251, 1.916]
    public var isResidual = false
    public var inputChannels = 3
    public var outputChannels = 3
    public var patchSize: Int?
    public var temporalScaleFactor = 4
    public var spatialScaleFactor = 8

    public init() {}

    enum CodingKeys: String, CodingKey {
        case baseDimension = "base_dim", decoderBaseDimension = "decoder_base_dim", latentChannels = "z_dim"
        case dimensionMultipliers = "dim_mult", residualBlocks = "num_res_blocks", attentionScales = "attn_scales"
        case temporalDownsample = "temperal_downsample", dropout, latentsMean = "latents_mean"
        case latentsStandardDeviation = "latents_std", isResidual = "is_residual", inputChannels = "in_channels"
        case outputChannels = "out_channels", patchSize = "patch_size"
        case temporalScaleFactor = "scale_factor_temporal", spatialScaleFactor = "scale_factor_spatial"
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.update(&baseDimension, .baseDimension)
        decoderBaseDimension = try container.decodeIfPresent(Int.self, forKey: .decoderBaseDimension)
        try container.update(&latentChannels, .latentChannels)
        try container.update(&dimensionMultipliers, .dimensionMultipliers)
        try container.update(&residualBlocks, .residualBlocks)
        try container.update(&attentionScales, .attentionScales)
        try container.update(&temporalDownsample, .temporalDownsample)
        try container.update(&dropout, .dropout)
        try container.update(&latentsMean, .latentsMean)
        try container.update(&latentsStandardDeviation, .latentsStandardDeviation)
        try container.update(&isResidual, .isResidual)
        try container.update(&inputChannels, .inputChannels)
        try container.update(&outputChannels, .outputChannels)
        patchSize = try container.decodeIfPresent(Int.self, forKey: .patchSize)
        try container.update(&temporalScaleFactor, .temporalScaleFactor)
        try container.update(&spatialScaleFactor, .spatialScaleFactor)
    }

    public func validate() throws(ConfigurationViolation) {
        try Require.positive(baseDimension, "base_dim")
        if let decoderBaseDimension { try Require.positive(decoderBaseDimension, "decoder_base_dim") }
        try Require.positive(latentChannels, "z_dim")
        guard !dimensionMultipliers.isEmpty, dimensionMultipliers.allSatisfy({ $0 > 0 }) else {
            throw ConfigurationViolation(key: "dim_mult", reason: "\(dimensionMultipliers) must be a non-empty list of positive multipliers")
        }
        try Require.positive(residualBlocks, "num_res_blocks")
        guard temporalDownsample.count == dimensionMultipliers.count - 1 else {
            throw ConfigurationViolation(key: "temperal_downsample",
                                         reason: "has \(temporalDownsample.count) entries but dim_mult implies \(dimensionMultipliers.count - 1) down-sampling stages")
        }
        try Require.within(dropout, 0...1, "dropout")
        guard latentsMean.count == latentChannels else {
            throw ConfigurationViolation(key: "latents_mean", reason: "has \(latentsMean.count) entries, z_dim is \(latentChannels)")
        }
        guard latentsStandardDeviation.count == latentChannels else {
            throw ConfigurationViolation(key: "latents_std", reason: "has \(latentsStandardDeviation.count) entries, z_dim is \(latentChannels)")
        }
        for value in latentsStandardDeviation where !(value > 0 && value.isFinite) {
            throw ConfigurationViolation(key: "latents_std", reason: "every entry must be positive, found \(value)")
        }
        guard !isResidual, patchSize == nil else {
            throw ConfigurationViolation(key: isResidual ? "is_residual" : "patch_size",
                                         reason: "the Wan2.2 residual/patchified VAE is not supported (Wan2.1 uses neither)")
        }
        try Require.positive(inputChannels, "in_channels")
        try Require.positive(outputChannels, "out_channels")
        let temporal = 1 << temporalDownsample.filter { $0 }.count
        guard temporalScaleFactor == temporal else {
            throw ConfigurationViolation(key: "scale_factor_temporal", reason: "\(temporalScaleFactor) disagrees with temperal_downsample, which gives \(temporal)")
        }
        let spatial = 1 << (dimensionMultipliers.count - 1)
        guard spatialScaleFactor == spatial else {
            throw ConfigurationViolation(key: "scale_factor_spatial", reason: "\(spatialScaleFactor) disagrees with dim_mult, which gives \(spatial)")
        }
    }
}

/// The umT5 encoder that turns the prompt into Wan's text context (transformers `UMT5Config`).
public struct UMT5Configuration: ModelConfiguration, Equatable {
    public var vocabularySize = 250112
    public var modelDimension = 512
    public var keyValueDimension = 64
    public var feedForwardDimension = 1024
    public var layers = 8
    public var attentionHeads = 6
    public var relativeAttentionBuckets = 32
    public var relativeAttentionMaxDistance = 128
    public var dropoutRate = 0.1
    public var layerNormEpsilon = 1e-6
    /// "gated-gelu" (umT5: GELU-tanh gate times a linear branch).
    public var feedForwardProjection = "gated-gelu"
    public var padTokenId = 0
    public var eosTokenId = 1

    public init() {}

    /// Width of the concatenated attention heads.
    public var innerDimension: Int { attentionHeads * keyValueDimension }

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size", modelDimension = "d_model", keyValueDimension = "d_kv"
        case feedForwardDimension = "d_ff", layers = "num_layers", attentionHeads = "num_heads"
        case relativeAttentionBuckets = "relative_attention_num_buckets"
        case relativeAttentionMaxDistance = "relative_attention_max_distance"
        case dropoutRate = "dropout_rate", layerNormEpsilon = "layer_norm_epsilon"
        case feedForwardProjection = "feed_forward_proj", padTokenId = "pad_token_id", eosTokenId = "eos_token_id"
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.update(&vocabularySize, .vocabularySize)
        try container.update(&modelDimension, .modelDimension)
        try container.update(&keyValueDimension, .keyValueDimension)
        try container.update(&feedForwardDimension, .feedForwardDimension)
        try container.update(&layers, .layers)
        try container.update(&attentionHeads, .attentionHeads)
        try container.update(&relativeAttentionBuckets, .relativeAttentionBuckets)
        try container.update(&relativeAttentionMaxDistance, .relativeAttentionMaxDistance)
        try container.update(&dropoutRate, .dropoutRate)
        try container.update(&layerNormEpsilon, .layerNormEpsilon)
        try container.update(&feedForwardProjection, .feedForwardProjection)
        try container.update(&padTokenId, .padTokenId)
        try container.update(&eosTokenId, .eosTokenId)
    }

    public func validate() throws(ConfigurationViolation) {
        try Require.positive(vocabularySize, "vocab_size")
        try Require.positive(modelDimension, "d_model")
        try Require.positive(keyValueDimension, "d_kv")
        try Require.positive(feedForwardDimension, "d_ff")
        try Require.positive(layers, "num_layers")
        try Require.positive(attentionHeads, "num_heads")
        // Bidirectional buckets: half per direction, half of those exact, so the count must split in four.
        guard relativeAttentionBuckets >= 4, relativeAttentionBuckets % 4 == 0 else {
            throw ConfigurationViolation(key: "relative_attention_num_buckets", reason: "\(relativeAttentionBuckets) must be a positive multiple of 4")
        }
        guard relativeAttentionMaxDistance > relativeAttentionBuckets / 4 else {
            throw ConfigurationViolation(key: "relative_attention_max_distance",
                                         reason: "\(relativeAttentionMaxDistance) must exceed the \(relativeAttentionBuckets / 4) exact buckets")
        }
        try Require.within(dropoutRate, 0...1, "dropout_rate")
        try Require.positive(layerNormEpsilon, "layer_norm_epsilon")
        try Require.oneOf(feedForwardProjection, ["gated-gelu"], "feed_forward_proj")
        try Require.tokenIDs(["pad_token_id": padTokenId, "eos_token_id": eosTokenId], vocabularySize: vocabularySize)
    }
}
