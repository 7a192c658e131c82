// Mirrors transformers' CLIPModel (models/clip/modeling_clip.py): both towers, their projections and
// `logit_scale`; `imageFeatures`/`textFeatures` return what `get_image_features`/`get_text_features` put in
// `pooler_output` in transformers 5 (projected, not normalised).
import Checkpoints
import NN
import Tensor

/// CLIP: a ViT image tower and a causal text tower projected into one embedding space.
///
/// ```swift
/// let clip = try CLIPBundle.load(directory: url)
/// let images = try clip.model.imageFeatures(pixelValues: clip.imageProcessor.pixelValues(for: frames))
/// ```
public final class CLIPModel: Module {
    @ModuleInfo(key: "vision_model") var visionModel: CLIPVisionTransformer
    @ModuleInfo(key: "text_model") var textModel: CLIPTextTransformer
    /// [projection, vision width], no bias.
    @ModuleInfo(key: "visual_projection") var visualProjection: Linear
    /// [projection, text width], no bias.
    @ModuleInfo(key: "text_projection") var textProjection: Linear
    /// The log of the contrastive temperature, a scalar (exp ≈ 100 for the OpenAI weights).
    @ParameterInfo(key: "logit_scale") public var logitScale: Tensor

    /// The configuration the model was built from.
    public let configuration: CLIPConfiguration

    /// A model of `configuration`'s shapes whose parameters take no memory until `load(weights:)` fills them.
    public init(configuration: CLIPConfiguration) throws(CLIPError) {
        guard let textActivation = CLIPActivation(rawValue: configuration.text.hiddenActivation) else {
            throw .invalidModel("config.json: text_config.hidden_act '\(configuration.text.hiddenActivation)' is not supported")
        }
        guard let visionActivation = CLIPActivation(rawValue: configuration.vision.hiddenActivation) else {
            throw .invalidModel("config.json: vision_config.hidden_act '\(configuration.vision.hiddenActivation)' is not supported")
        }
        // The engine's fused attention takes head dimensions up to 256 (ViT-bigG has 104).
        for (tower, width, heads) in [("text_config", configuration.text.hiddenSize, configuration.text.attentionHeads),
                                      ("vision_config", configuration.vision.hiddenSize, configuration.vision.attentionHeads)]
        where width / max(heads, 1) > 256 {
            throw .invalidModel("config.json: \(tower) head dimension \(width / heads) exceeds the supported 256")
        }
        self.configuration = configuration
        super.init()
        visionModel = CLIPVisionTransformer(configuration.vision, activation: visionActivation)
        textModel = CLIPTextTransformer(configuration.text, activation: textActivation)
        visualProjection = Linear(reserving: configuration.vision.hiddenSize, configuration.projectionDimension, bias: false)
        textProjection = Linear(reserving: configuration.text.hiddenSize, configuration.projectionDimension, bias: false)
        logitScale = .reserved([])
    }

    /// Hugging Face CLIP checkpoints onto this model: the persistent-in-old-files `position_ids` buffers are
    /// dropped (the model uses positions 0..<L), and the patch convolution becomes a Linear over flattened
    /// patches.
    public override var checkpointRules: CheckpointRules {
        [
            .drop(pattern: #"^(text|vision)_model\.embeddings\.position_ids$"#),
            .flatten(pattern: #"^vision_model\.embeddings\.patch_embedding\.weight$"#, fromAxis: 1),
        ]
    }

    /// Projected image embeddings [B, projection] of preprocessed `pixelValues` (float32 [B, C, S, S]).
    public func imageFeatures(pixelValues: Tensor) throws(CLIPError) -> Tensor {
        let vision = configuration.vision
        let expected = [vision.channels, vision.imageSize, vision.imageSize]
        guard pixelValues.rank == 4, Array(pixelValues.shape.dropFirst()) == expected, pixelValues.shape[0] > 0 else {
            throw .invalidInput("pixel_values must be [B, \(expected.map(String.init).joined(separator: ", "))] with B ≥ 1, got \(pixelValues.shape)")
        }
        guard pixelValues.dtype.isFloatingPoint else {
            throw .invalidInput("pixel_values must be floating point, got \(pixelValues.dtype)")
        }
        let pixels = pixelValues.dtype == .float32 ? pixelValues : pixelValues.converted(to: .float32)
        return visualProjection(visionModel.pooled(pixels))
    }

    /// Projected text embeddings [B, projection] of token `ids` (rows of equal length ≤ max positions).
    /// `attentionMask` rows hold 1 at real tokens and 0 at padding (all 1 when nil), as transformers takes it.
    public func textFeatures(ids: [[Int]], attentionMask: [[Int]]? = nil) throws(CLIPError) -> Tensor {
        let text = configuration.text
        guard let length = ids.first?.count, length > 0 else { throw .invalidInput("input_ids must be [B, L] with B, L ≥ 1") }
        guard ids.allSatisfy({ $0.count == length }) else { throw .invalidInput("input_ids rows differ in length") }
        guard length <= text.maxPositionEmbeddings else {
            throw .invalidInput("input_ids has \(length) positions; the model has \(text.maxPositionEmbeddings)")
        }
        for (row, values) in ids.enumerated() {
            if let bad = values.first(where: { $0 < 0 || $0 >= text.vocabularySize }) {
                throw .invalidInput("input_ids row \(row) holds id \(bad), outside the vocabulary of \(text.vocabularySize)")
            }
        }
        var paddingMask: Tensor?
        if let attentionMask {
            guard attentionMask.count == ids.count, attentionMask.allSatisfy({ $0.count == length }) else {
                throw .invalidInput("attention_mask must have the shape of input_ids [\(ids.count), \(length)]")
            }
            if attentionMask.contains(where: { $0.contains(0) }) {
                paddingMask = Tensor(bools: attentionMask.flatMap { $0.map { $0 == 0 } }, shape: [ids.count, length])
            }
        }
        return textProjection(textModel.pooled(ids: ids, keyPaddingMask: paddingMask))
    }
}
