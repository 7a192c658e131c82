// Mirrors transformers' Qwen2DecoderLayer: x += attn(input_layernorm(x)); x += mlp(post_attention_layernorm(x)).
import Tensor

/// A pre-norm transformer decoder layer (RMSNorm, GQA attention with RoPE, SwiGLU MLP).
open class DecoderLayer: Module {
    @ModuleInfo(key: "self_attn") public var attention: Attention
    @ModuleInfo(key: "mlp") public var mlp: SwiGLUMLP
    @ModuleInfo(key: "input_layernorm") public var inputNorm: RMSNorm
    @ModuleInfo(key: "post_attention_layernorm") public var postAttentionNorm: RMSNorm

    public init(attention: Attention, mlp: SwiGLUMLP, inputNorm: RMSNorm, postAttentionNorm: RMSNorm) {
        super.init()
        self.attention = attention
        self.mlp = mlp
        self.inputNorm = inputNorm
        self.postAttentionNorm = postAttentionNorm
    }

    /// A layer of the given sizes, initialised reproducibly.
    public convenience init(hiddenSize: Int, intermediateSize: Int, heads: Int, keyValueHeads: Int,
                            ropeBase: Float = 10000, epsilon: Float = 1e-6, initializer: inout RandomGenerator) {
        self.init(attention: Attention(hiddenSize: hiddenSize, heads: heads, keyValueHeads: keyValueHeads,
                                       ropeBase: ropeBase, initializer: &initializer),
                  mlp: SwiGLUMLP(hiddenSize: hiddenSize, intermediateSize: intermediateSize, initializer: &initializer),
                  inputNorm: RMSNorm(dimensions: hiddenSize, epsilon: epsilon),
                  postAttentionNorm: RMSNorm(dimensions: hiddenSize, epsilon: epsilon))
    }

    /// `input` [B, L, hidden] → [B, L, hidden], causal, at `positions` (default 0..<L).
    open func callAsFunction(_ input: Tensor, positions: [Int]? = nil) -> Tensor {
        let afterAttention = input + attention(inputNorm(input), positions: positions)
        return afterAttention + mlp(postAttentionNorm(afterAttention))
    }
}
