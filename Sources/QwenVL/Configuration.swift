// Mirrors transformers' Qwen2_5_VLConfig / Qwen2_5_VLTextConfig / Qwen2_5_VLVisionConfig
// (transformers/models/qwen2_5_vl/configuration_qwen2_5_vl.py). Defaults are the reference's code
// defaults, so a config.json means here exactly what it means to transformers; both the hub layout
// (text keys at the top level, `rope_scaling`) and the transformers-5 layout (`text_config`,
// `rope_parameters`) are accepted.
import Checkpoints
import Foundation

/// The whole Qwen2.5-VL configuration: language model, vision tower and special token ids.
public struct QwenVLConfiguration: ModelConfiguration, Equatable {
    public var text = QwenTextConfiguration()
    public var vision = QwenVisionConfiguration()
    public var imageTokenId = 151655
    public var videoTokenId = 151656
    public var visionStartTokenId = 151652
    public var visionEndTokenId = 151653

    public init() {}

    enum CodingKeys: String, CodingKey {
        case text = "text_config", vision = "vision_config"
        case imageTokenId = "image_token_id", videoTokenId = "video_token_id"
        case visionStartTokenId = "vision_start_token_id", visionEndTokenId = "vision_end_token_id"
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.text) {
            text = try container.decode(QwenTextConfiguration.self, forKey: .text)
            // In the nested layout `tie_word_embeddings` lives at the top level.
            let top = try decoder.container(keyedBy: QwenTextConfiguration.CodingKeys.self)
            try top.update(&text.tieWordEmbeddings, .tieWordEmbeddings)
        } else {
            text = try QwenTextConfiguration(from: decoder)
        }
        try container.update(&vision, .vision)
        try container.update(&imageTokenId, .imageTokenId)
        try container.update(&videoTokenId, .videoTokenId)
        try container.update(&visionStartTokenId, .visionStartTokenId)
        try container.update(&visionEndTokenId, .visionEndTokenId)
    }

    public func validate() throws(ConfigurationViolation) {
        try text.validate()
        try vision.validate()
        guard vision.outHiddenSize == text.hiddenSize else {
            throw ConfigurationViolation(key: "vision_config.out_hidden_size",
                                         reason: "\(vision.outHiddenSize) must equal the text hidden_size \(text.hiddenSize)")
        }
        try Require.tokenIDs(["image_token_id": imageTokenId, "video_token_id": videoTokenId,
                              "vision_start_token_id": visionStartTokenId, "vision_end_token_id": visionEndTokenId],
                             vocabularySize: text.vocabularySize)
    }
}

/// The Qwen2.5 decoder: GQA attention with M-RoPE, SwiGLU MLP, RMSNorm.
public struct QwenTextConfiguration: Codable, Sendable, Equatable {
    public var vocabularySize = 152064
    public var hiddenSize = 8192
    public var intermediateSize = 29568
    public var hiddenLayers = 80
    public var attentionHeads = 64
    public var keyValueHeads = 8
    public var hiddenActivation = "silu"
    public var maxPositionEmbeddings = 32768
    public var rmsNormEpsilon = 1e-5
    public var ropeTheta = 1_000_000.0
    /// Frequency chunks for the (t, h, w) axes; sums to half the head dimension.
    public var mropeSection = [16, 24, 24]
    public var useSlidingWindow = false
    public var attentionDropout = 0.0
    public var tieWordEmbeddings = false
    public var bosTokenId = 151643
    public var eosTokenId = 151645
    /// Every end-of-sequence id (`eos_token_id` may be one id or a list; `eosTokenId` is the first).
    public var eosTokenIds = [151645]

    public init() {}

    /// Per-head width.
    public var headDimension: Int { hiddenSize / attentionHeads }

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case hiddenLayers = "num_hidden_layers", attentionHeads = "num_attention_heads", keyValueHeads = "num_key_value_heads"
        case hiddenActivation = "hidden_act", maxPositionEmbeddings = "max_position_embeddings", rmsNormEpsilon = "rms_norm_eps"
        case ropeTheta = "rope_theta", ropeScaling = "rope_scaling", ropeParameters = "rope_parameters"
        case useSlidingWindow = "use_sliding_window", attentionDropout = "attention_dropout"
        case tieWordEmbeddings = "tie_word_embeddings", bosTokenId = "bos_token_id", eosTokenId = "eos_token_id"
    }

    /// `rope_scaling` (hub) or `rope_parameters` (transformers 5).
    struct RopeParameters: Codable {
        var type: String?
        var ropeType: String?
        var ropeTheta: Double?
        var mropeSection: [Int]?
        enum CodingKeys: String, CodingKey {
            case type, ropeType = "rope_type", ropeTheta = "rope_theta", mropeSection = "mrope_section"
        }
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.update(&vocabularySize, .vocabularySize)
        try container.update(&hiddenSize, .hiddenSize)
        try container.update(&intermediateSize, .intermediateSize)
        try container.update(&hiddenLayers, .hiddenLayers)
        try container.update(&attentionHeads, .attentionHeads)
        keyValueHeads = attentionHeads  // the reference's fallback when num_key_value_heads is absent
        try container.update(&keyValueHeads, .keyValueHeads)
        try container.update(&hiddenActivation, .hiddenActivation)
        try container.update(&maxPositionEmbeddings, .maxPositionEmbeddings)
        try container.update(&rmsNormEpsilon, .rmsNormEpsilon)
        try container.update(&ropeTheta, .ropeTheta)
        for key in [CodingKeys.ropeScaling, .ropeParameters] {
            guard let rope = try container.decodeIfPresent(RopeParameters.self, forKey: key) else { continue }
            if let theta = rope.ropeTheta { ropeTheta = theta }
            if let section = rope.mropeSection { mropeSection = section }
        }
        try container.update(&useSlidingWindow, .useSlidingWindow)
        try container.update(&attentionDropout, .attentionDropout)
        try container.update(&tieWordEmbeddings, .tieWordEmbeddings)
        try container.update(&bosTokenId, .bosTokenId)
        if let list = try? container.decodeIfPresent([Int].self, forKey: .eosTokenId), let first = list.first {
            (eosTokenId, eosTokenIds) = (first, list)
        } else {
            try container.update(&eosTokenId, .eosTokenId)
            eosTokenIds = [eosTokenId]
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(vocabularySize, forKey: .vocabularySize)
        try container.encode(hiddenSize, forKey: .hiddenSize)
        try container.encode(intermediateSize, forKey: .intermediateSize)
        try container.encode(hiddenLayers, forKey: .hiddenLayers)
        try container.encode(attentionHeads, forKey: .attentionHeads)
        try container.encode(keyValueHeads, forKey: .keyValueHeads)
        try container.encode(hiddenActivation, forKey: .hiddenActivation)
        try container.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try container.encode(rmsNormEpsilon, forKey: .rmsNormEpsilon)
        try container.encode(RopeParameters(ropeType: "default", ropeTheta: ropeTheta, mropeSection: mropeSection), forKey: .ropeParameters)
        try container.encode(useSlidingWindow, forKey: .useSlidingWindow)
        try container.encode(attentionDropout, forKey: .attentionDropout)
        try container.encode(tieWordEmbeddings, forKey: .tieWordEmbeddings)
        try container.encode(bosTokenId, forKey: .bosTokenId)
        if eosTokenIds.count > 1 { try container.encode(eosTokenIds, forKey: .eosTokenId) } else { try container.encode(eosTokenId, forKey: .eosTokenId) }
    }

    public func validate() throws(ConfigurationViolation) {
        try Require.positive(vocabularySize, "vocab_size")
        try Require.positive(hiddenSize, "hidden_size")
        try Require.positive(intermediateSize, "intermediate_size")
        try Require.positive(hiddenLayers, "num_hidden_layers")
        try Require.positive(attentionHeads, "num_attention_heads")
        try Require.positive(keyValueHeads, "num_key_value_heads")
        try Require.divisible(hiddenSize, by: attentionHeads, "hidden_size", "num_attention_heads")
        try Require.divisible(attentionHeads, by: keyValueHeads, "num_attention_heads", "num_key_value_heads")
        try Require.positive(rmsNormEpsilon, "rms_norm_eps")
        try Require.positive(ropeTheta, "rope_theta")
        try Require.oneOf(hiddenActivation, ["silu"], "hidden_act")
        try Require.within(attentionDropout, 0...1, "attention_dropout")
        guard headDimension % 2 == 0 else {
            throw ConfigurationViolation(key: "hidden_size", reason: "head dimension \(headDimension) must be even for rotary embeddings")
        }
        guard mropeSection.count == 3, mropeSection.allSatisfy({ $0 > 0 }), mropeSection.reduce(0, +) == headDimension / 2 else {
            throw ConfigurationViolation(key: "rope_scaling.mrope_section",
                                         reason: "\(mropeSection) must be three positive sizes summing to head_dim/2 = \(headDimension / 2)")
        }
        guard !useSlidingWindow else {
            throw ConfigurationViolation(key: "use_sliding_window", reason: "sliding-window attention is not supported (Qwen2.5-VL ships with it off)")
        }
    }
}

/// The Qwen2.5-VL vision tower: windowed ViT with 2-D RoPE and a 2×2 patch merger.
public struct QwenVisionConfiguration: Codable, Sendable, Equatable {
    public var depth = 32
    public var hiddenSize = 3584
    public var hiddenActivation = "silu"
    public var intermediateSize = 3420
    public var attentionHeads = 16
    public var inputChannels = 3
    public var patchSize = 14
    public var spatialMergeSize = 2
    public var temporalPatchSize = 2
    /// Temporal positions per second of video in M-RoPE (the hub 3B checkpoint says 2).
    public var tokensPerSecond = 4
    /// Attention window edge in pixels.
    public var windowSize = 112
    public var outHiddenSize = 3584
    /// Blocks that attend over a whole frame instead of a window.
    public var fullAttentionBlockIndexes = [7, 15, 23, 31]

    public init() {}

    /// Per-head width.
    public var headDimension: Int { hiddenSize / attentionHeads }

    enum CodingKeys: String, CodingKey {
        case depth, hiddenSize = "hidden_size", hiddenActivation = "hidden_act", intermediateSize = "intermediate_size"
        case attentionHeads = "num_heads", inputChannels = "in_channels", legacyInputChannels = "in_chans"
        case patchSize = "patch_size", spatialMergeSize = "spatial_merge_size", temporalPatchSize = "temporal_patch_size"
        case tokensPerSecond = "tokens_per_second", windowSize = "window_size", outHiddenSize = "out_hidden_size"
        case fullAttentionBlockIndexes = "fullatt_block_indexes"
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.update(&depth, .depth)
        try container.update(&hiddenSize, .hiddenSize)
        try container.update(&hiddenActivation, .hiddenActivation)
        try container.update(&intermediateSize, .intermediateSize)
        try container.update(&attentionHeads, .attentionHeads)
        try container.update(&inputChannels, .legacyInputChannels)
        try container.update(&inputChannels, .inputChannels)
        try container.update(&patchSize, .patchSize)
        try container.update(&spatialMergeSize, .spatialMergeSize)
        try container.update(&temporalPatchSize, .temporalPatchSize)
        try container.update(&tokensPerSecond, .tokensPerSecond)
        try container.update(&windowSize, .windowSize)
        try container.update(&outHiddenSize, .outHiddenSize)
        try container.update(&fullAttentionBlockIndexes, .fullAttentionBlockIndexes)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(depth, forKey: .depth)
        try container.encode(hiddenSize, forKey: .hiddenSize)
        try container.encode(hiddenActivation, forKey: .hiddenActivation)
        try container.encode(intermediateSize, forKey: .intermediateSize)
        try container.encode(attentionHeads, forKey: .attentionHeads)
        try container.encode(inputChannels, forKey: .inputChannels)
        try container.encode(patchSize, forKey: .patchSize)
        try container.encode(spatialMergeSize, forKey: .spatialMergeSize)
        try container.encode(temporalPatchSize, forKey: .temporalPatchSize)
        try container.encode(tokensPerSecond, forKey: .tokensPerSecond)
        try container.encode(windowSize, forKey: .windowSize)
        try container.encode(outHiddenSize, forKey: .outHiddenSize)
        try container.encode(fullAttentionBlockIndexes, forKey: .fullAttentionBlockIndexes)
    }

    public func validate() throws(ConfigurationViolation) {
        try Require.positive(depth, "vision_config.depth")
        try Require.positive(hiddenSize, "vision_config.hidden_size")
        try Require.positive(intermediateSize, "vision_config.intermediate_size")
        try Require.positive(attentionHeads, "vision_config.num_heads")
        try Require.divisible(hiddenSize, by: attentionHeads, "vision_config.hidden_size", "num_heads")
        guard headDimension % 4 == 0 else {
            throw ConfigurationViolation(key: "vision_config.hidden_size", reason: "head dimension \(headDimension) must be a multiple of 4 for the 2-D rotary embedding")
        }
        try Require.positive(inputChannels, "vision_config.in_channels")
        try Require.positive(patchSize, "vision_config.patch_size")
        try Require.positive(spatialMergeSize, "vision_config.spatial_merge_size")
        try Require.positive(temporalPatchSize, "vision_config.temporal_patch_size")
        try Require.positive(tokensPerSecond, "vision_config.tokens_per_second")
        try Require.oneOf(hiddenActivation, ["silu"], "vision_config.hidden_act")
        try Require.positive(outHiddenSize, "vision_config.out_hidden_size")
        let mergedPatch = patchSize * spatialMergeSize
        guard windowSize > 0, windowSize % mergedPatch == 0 else {
            throw ConfigurationViolation(key: "vision_config.window_size",
                                         reason: "\(windowSize) px must be a positive multiple of patch_size × spatial_merge_size = \(mergedPatch)")
        }
        for index in fullAttentionBlockIndexes where !(0..<depth).contains(index) {
            throw ConfigurationViolation(key: "vision_config.fullatt_block_indexes", reason: "block \(index) is outside 0..<\(depth)")
        }
    }
}
