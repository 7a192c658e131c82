// Mirrors transformers' Qwen2_5_VLTextModel with Qwen2_5_VLDecoderLayer, Qwen2_5_VLAttention and Qwen2MLP
// (modeling_qwen2_5_vl.py): a pre-norm Qwen2 decoder with GQA, q/k/v biases, M-RoPE and SwiGLU.
//
// Shape legend: B batch, L new tokens, C hidden width.
import Generation
import NN
import Tensor

/// One decoder layer: x += self_attn(input_layernorm x); x += mlp(post_attention_layernorm x).
final class QwenDecoderLayer: Module {
    @ModuleInfo(key: "self_attn") var attention: Attention
    @ModuleInfo(key: "mlp") var feedForward: SwiGLUMLP
    @ModuleInfo(key: "input_layernorm") var inputNorm: RMSNorm
    @ModuleInfo(key: "post_attention_layernorm") var postAttentionNorm: RMSNorm

    init(configuration: QwenTextConfiguration) {
        let width = configuration.hiddenSize, inner = configuration.intermediateSize
        let headDimension = configuration.headDimension
        let keyValueWidth = configuration.keyValueHeads * headDimension
        let epsilon = Float(configuration.rmsNormEpsilon)
        super.init()
        attention = Attention(query: Linear(reserving: width, configuration.attentionHeads * headDimension),
                              key: Linear(reserving: width, keyValueWidth), value: Linear(reserving: width, keyValueWidth),
                              output: Linear(reserving: configuration.attentionHeads * headDimension, width, bias: false),
                              heads: configuration.attentionHeads, keyValueHeads: configuration.keyValueHeads)
        feedForward = SwiGLUMLP(gate: Linear(reserving: width, inner, bias: false), up: Linear(reserving: width, inner, bias: false),
                                down: Linear(reserving: inner, width, bias: false))
        inputNorm = RMSNorm(weight: .reserved([width]), epsilon: epsilon)
        postAttentionNorm = RMSNorm(weight: .reserved([width]), epsilon: epsilon)
    }

    func callAsFunction(_ input: Tensor, rotary: RotaryTable, cache: (any AttentionCache)?, keyPaddingMask: Tensor?) -> Tensor {
        let context = attention(inputNorm(input), rotary: rotary, cache: cache, causal: true, keyPaddingMask: keyPaddingMask)
        let attended = (input + context).roundedToActivationPrecision()
        return (attended + feedForward(postAttentionNorm(attended))).roundedToActivationPrecision()
    }
}

/// The language model body: token embedding, decoder layers and the final norm (no output head).
public final class QwenTextModel: Module {
    @ModuleInfo(key: "embed_tokens") var embedding: Embedding
    @ModuleInfo(key: "layers") var layers: [QwenDecoderLayer]
    @ModuleInfo(key: "norm") var norm: RMSNorm
    public let configuration: QwenTextConfiguration

    /// A shape-only decoder (parameters reserved until `load`).
    public init(configuration: QwenTextConfiguration) {
        self.configuration = configuration
        super.init()
        embedding = Embedding(reservingCount: configuration.vocabularySize, dimensions: configuration.hiddenSize)
        layers = (0..<configuration.hiddenLayers).map { _ in QwenDecoderLayer(configuration: configuration) }
        norm = RMSNorm(weight: .reserved([configuration.hiddenSize]), epsilon: Float(configuration.rmsNormEpsilon))
    }

    /// Token embeddings [B, L, C] of int64 `tokens` [B, L] (bf16 tables widened row by row).
    public func embed(_ tokens: Tensor) -> Tensor { embedding(tokens) }

    /// The M-RoPE table of the three position rows (t, h, w), each B·L long (row-major over the batch).
    public func rotaryTable(positions: [[Int]]) -> RotaryTable {
        RotaryTable.multimodal(positions: positions, dimension: configuration.headDimension,
                               theta: Float(configuration.ropeTheta), sections: configuration.mropeSection)
    }

    /// Final hidden states [B, L, C] of `embeddings` [B, L, C] at `positions` (3 rows of B·L).
    ///
    /// - Parameters:
    ///   - caches: one per layer, appended to; nil for a cache-free full forward.
    ///   - keyPaddingMask: bool [B, cached + L], true at padding keys.
    public func callAsFunction(_ embeddings: Tensor, positions: [[Int]], caches: [any KVCache]?, keyPaddingMask: Tensor?) -> Tensor {
        // One rotary table per forward, shared by every layer.
        let rotary = rotaryTable(positions: positions)
        var hidden = embeddings
        for (index, layer) in layers.enumerated() {
            hidden = layer(hidden, rotary: rotary, cache: caches?[index], keyPaddingMask: keyPaddingMask)
        }
        return norm(hidden)
    }
}
