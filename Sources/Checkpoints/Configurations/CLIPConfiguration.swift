// Mirrors transformers' CLIPConfig / CLIPTextConfig / CLIPVisionConfig
// (transformers/models/clip/configuration_clip.py); defaults are its code defaults (= ViT-B/32).
// Kept beside the loader until a CLIP model target exists to own it.
import Foundation

/// CLIP: a text tower and a vision tower projected into one embedding space.
public struct CLIPConfiguration: ModelConfiguration, Equatable {
    public var text = CLIPTextConfiguration()
    public var vision = CLIPVisionConfiguration()
    public var projectionDimension = 512
    public var logitScaleInitialValue = 2.6592

    public init() {}

    enum CodingKeys: String, CodingKey {
        case text = "text_config", vision = "vision_config"
        case projectionDimension = "projection_dim", logitScaleInitialValue = "logit_scale_init_value"
    }

    /// The pre-2022 spellings of the tower configs, read only.
    enum LegacyKeys: String, CodingKey {
        case text = "text_config_dict", vision = "vision_config_dict"
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.update(&text, .text)
        try container.update(&vision, .vision)
        // Older files carry `[text|vision]_config_dict`; transformers then builds the tower's config from it alone
        // (its defaults included), replacing `[text|vision]_config`.
        let legacy = try decoder.container(keyedBy: LegacyKeys.self)
        if let dictionary = try legacy.decodeIfPresent(CLIPTextConfiguration.self, forKey: .text) { text = dictionary }
        if let dictionary = try legacy.decodeIfPresent(CLIPVisionConfiguration.self, forKey: .vision) { vision = dictionary }
        try container.update(&projectionDimension, .projectionDimension)
        try container.update(&logitScaleInitialValue, .logitScaleInitialValue)
    }

    public func validate() throws(ConfigurationViolation) {
        try Require.positive(projectionDimension, "projection_dim")
        try text.validate()
        try vision.validate()
    }
}

/// CLIP's causal text transformer.
public struct CLIPTextConfiguration: Codable, Sendable, Equatable {
    public var vocabularySize = 49408
    public var hiddenSize = 512
    public var intermediateSize = 2048
    public var projectionDimension = 512
    public var hiddenLayers = 12
    public var attentionHeads = 8
    public var maxPositionEmbeddings = 77
    public var hiddenActivation = "quick_gelu"
    public var layerNormEpsilon = 1e-5
    public var padTokenId = 1
    public var bosTokenId = 49406
    public var eosTokenId = 49407

    public init() {}

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case projectionDimension = "projection_dim", hiddenLayers = "num_hidden_layers", attentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings", hiddenActivation = "hidden_act"
        case layerNormEpsilon = "layer_norm_eps", padTokenId = "pad_token_id", bosTokenId = "bos_token_id", eosTokenId = "eos_token_id"
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.update(&vocabularySize, .vocabularySize)
        try container.update(&hiddenSize, .hiddenSize)
        try container.update(&intermediateSize, .intermediateSize)
        try container.update(&projectionDimension, .projectionDimension)
        try container.update(&hiddenLayers, .hiddenLayers)
        try container.update(&attentionHeads, .attentionHeads)
        try container.update(&maxPositionEmbeddings, .maxPositionEmbeddings)
        try container.update(&hiddenActivation, .hiddenActivation)
        try container.update(&layerNormEpsilon, .layerNormEpsilon)
        try container.update(&padTokenId, .padTokenId)
        try container.update(&bosTokenId, .bosTokenId)
        try container.update(&eosTokenId, .eosTokenId)
    }

    func validate() throws(ConfigurationViolation) {
        try Require.positive(vocabularySize, "text_config.vocab_size")
        try Require.positive(hiddenSize, "text_config.hidden_size")
        try Require.positive(intermediateSize, "text_config.intermediate_size")
        try Require.positive(projectionDimension, "text_config.projection_dim")
        try Require.positive(hiddenLayers, "text_config.num_hidden_layers")
        try Require.positive(attentionHeads, "text_config.num_attention_heads")
        try Require.divisible(hiddenSize, by: attentionHeads, "text_config.hidden_size", "num_attention_heads")
        try Require.positive(maxPositionEmbeddings, "text_config.max_position_embeddings")
        try Require.oneOf(hiddenActivation, ["quick_gelu", "gelu"], "text_config.hidden_act")
        try Require.positive(layerNormEpsilon, "text_config.layer_norm_eps")
        try Require.tokenIDs(["text_config.bos_token_id": bosTokenId, "text_config.eos_token_id": eosTokenId],
                             vocabularySize: vocabularySize)
    }
}

/// CLIP's ViT image tower.
public struct CLIPVisionConfiguration: Codable, Sendable, Equatable {
    public var hiddenSize = 768
    public var intermediateSize = 3072
    public var projectionDimension = 512
    public var hiddenLayers = 12
    public var attentionHeads = 12
    public var channels = 3
    public var imageSize = 224
    public var patchSize = 32
    public var hiddenActivation = "quick_gelu"
    public var layerNormEpsilon = 1e-5

    public init() {}

    /// Patches per image side.
    public var patchesPerSide: Int { imageSize / patchSize }

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", projectionDimension = "projection_dim"
        case hiddenLayers = "num_hidden_layers", attentionHeads = "num_attention_heads", channels = "num_channels"
        case imageSize = "image_size", patchSize = "patch_size", hiddenActivation = "hidden_act", layerNormEpsilon = "layer_norm_eps"
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try container.update(&hiddenSize, .hiddenSize)
        try container.update(&intermediateSize, .intermediateSize)
        try container.update(&projectionDimension, .projectionDimension)
        try container.update(&hiddenLayers, .hiddenLayers)
        try container.update(&attentionHeads, .attentionHeads)
        try container.update(&channels, .channels)
        try container.update(&imageSize, .imageSize)
        try container.update(&patchSize, .patchSize)
        try container.update(&hiddenActivation, .hiddenActivation)
        try container.update(&layerNormEpsilon, .layerNormEpsilon)
    }

    func validate() throws(ConfigurationViolation) {
        try Require.positive(hiddenSize, "vision_config.hidden_size")
        try Require.positive(intermediateSize, "vision_config.intermediate_size")
        try Require.positive(projectionDimension, "vision_config.projection_dim")
        try Require.positive(hiddenLayers, "vision_config.num_hidden_layers")
        try Require.positive(attentionHeads, "vision_config.num_attention_heads")
        try Require.divisible(hiddenSize, by: attentionHeads, "vision_config.hidden_size", "num_attention_heads")
        try Require.positive(channels, "vision_config.num_channels")
        try Require.positive(patchSize, "vision_config.patch_size")
        try Require.divisible(imageSize, by: patchSize, "vision_config.image_size", "patch_size")
        try Require.oneOf(hiddenActivation, ["quick_gelu", "gelu"], "vision_config.hidden_act")
        try Require.positive(layerNormEpsilon, "vision_config.layer_norm_eps")
    }
}
