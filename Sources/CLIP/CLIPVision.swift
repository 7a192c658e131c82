// Mirrors transformers' CLIPVisionEmbeddings and CLIPVisionTransformer (models/clip/modeling_clip.py):
// patches, class token, positions, `pre_layrnorm` (sic), the encoder, `post_layernorm` on the class token.
//
// Shape legend: B images, C channels, P patch size, N = (image/P)² patches, W hidden width.
import Checkpoints
import NN
import Tensor

/// Patch embedding (the stride-P convolution as a Linear over flattened patches), class token and positions.
final class CLIPVisionEmbeddings: Module {
    /// [W]
    @ParameterInfo(key: "class_embedding") var classEmbedding: Tensor
    /// [W, C·P·P]: the checkpoint's Conv2d weight [W, C, P, P] flattened by the rule table (no bias).
    @ModuleInfo(key: "patch_embedding") var patchEmbedding: Linear
    /// [N + 1, W]
    @ModuleInfo(key: "position_embedding") var positionEmbedding: Embedding
    let configuration: CLIPVisionConfiguration

    init(_ configuration: CLIPVisionConfiguration) {
        self.configuration = configuration
        let width = configuration.hiddenSize
        let patchWidth = configuration.channels * configuration.patchSize * configuration.patchSize
        super.init()
        classEmbedding = .reserved([width])
        patchEmbedding = Linear(reserving: patchWidth, width, bias: false)
        positionEmbedding = Embedding(reservingCount: configuration.patchesPerSide * configuration.patchesPerSide + 1,
                                      dimensions: width)
    }

    /// [B, C, S, S] pixel values → [B, N + 1, W].
    func callAsFunction(_ pixelValues: Tensor) -> Tensor {
        let batch = pixelValues.shape[0]
        let (channels, patch, side) = (configuration.channels, configuration.patchSize, configuration.patchesPerSide)
        let patches = pixelValues.contiguous()
            .reshaped([batch, channels, side, patch, side, patch])      // [B, C, gh, P, gw, P]
            .permuted([0, 2, 4, 1, 3, 5]).contiguous()                  // [B, gh, gw, C, P, P]
            .reshaped([batch, side * side, channels * patch * patch])   // [B, N, C·P·P], the conv's (c, y, x) order
        let patchEmbeddings = patchEmbedding(patches)                    // [B, N, W]
        let width = configuration.hiddenSize
        let classToken = classEmbedding.reshaped([1, 1, width]).expanded(to: [batch, 1, width])  // [B, 1, W]
        let embeddings = Tensor.concatenate([classToken, patchEmbeddings], axis: 1)             // [B, N + 1, W]
        return embeddings + positionEmbedding.weight.unsqueezed(0)                              // + [1, N + 1, W]
    }
}

/// The ViT: embeddings → pre-LN → encoder → post-LN of the class token (the pooled output).
final class CLIPVisionTransformer: Module {
    @ModuleInfo(key: "embeddings") var embeddings: CLIPVisionEmbeddings
    @ModuleInfo(key: "pre_layrnorm") var preNorm: LayerNorm
    @ModuleInfo(key: "encoder") var encoder: CLIPEncoder
    @ModuleInfo(key: "post_layernorm") var postNorm: LayerNorm
    let configuration: CLIPVisionConfiguration

    init(_ configuration: CLIPVisionConfiguration, activation: CLIPActivation) {
        self.configuration = configuration
        let epsilon = Float(configuration.layerNormEpsilon)
        super.init()
        embeddings = CLIPVisionEmbeddings(configuration)
        preNorm = LayerNorm(dimensions: configuration.hiddenSize, epsilon: epsilon)
        encoder = CLIPEncoder(layers: configuration.hiddenLayers, hiddenSize: configuration.hiddenSize,
                              intermediateSize: configuration.intermediateSize, heads: configuration.attentionHeads,
                              activation: activation, epsilon: epsilon)
        postNorm = LayerNorm(dimensions: configuration.hiddenSize, epsilon: epsilon)
    }

    /// [B, C, S, S] → the pooled output [B, W] (`pooler_output` of CLIPVisionModel).
    func pooled(_ pixelValues: Tensor) -> Tensor {
        let hidden = encoder(preNorm(embeddings(pixelValues)), causal: false, keyPaddingMask: nil)  // [B, N + 1, W]
        return postNorm(hidden.narrowed(axis: 1, start: 0, length: 1).squeezed(1))                 // [B, W]
    }
}
