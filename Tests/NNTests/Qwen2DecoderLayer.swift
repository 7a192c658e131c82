// Mirrors transformers' Qwen2DecoderLayer: x += attn(input_layernorm(x)); x += mlp(post_attention_layernorm(x)).
// Test support only: the parity tests check NN's generic Attention, SwiGLUMLP and RMSNorm against
// transformers through it. The Qwen model code will own its own layer.
import NN
import Tensor

/// A pre-norm Qwen2 decoder layer (RMSNorm, GQA attention with q/k/v biases, SwiGLU MLP).
final class Qwen2DecoderLayer: Module {
    @ModuleInfo(key: "self_attn") var attention: Attention
    @ModuleInfo(key: "mlp") var mlp: SwiGLUMLP
    @ModuleInfo(key: "input_layernorm") var inputNorm: RMSNorm
    @ModuleInfo(key: "post_attention_layernorm") var postAttentionNorm: RMSNorm
    let ropeBase: Float

    init(hiddenSize: Int, intermediateSize: Int, heads: Int, keyValueHeads: Int, ropeBase: Float = 10000,
         epsilon: Float = 1e-6, initializer: inout RandomGenerator) {
        self.ropeBase = ropeBase
        super.init()
        attention = Attention(hiddenSize: hiddenSize, heads: heads, keyValueHeads: keyValueHeads, queryKeyValueBias: true,
                              initializer: &initializer)
        mlp = SwiGLUMLP(hiddenSize: hiddenSize, intermediateSize: intermediateSize, initializer: &initializer)
        inputNorm = RMSNorm(dimensions: hiddenSize, epsilon: epsilon)
        postAttentionNorm = RMSNorm(dimensions: hiddenSize, epsilon: epsilon)
    }

    /// The rotary table of `positions` (shared by the batch, or B·L per-row positions), built once per forward.
    func rotaryTable(positions: [Int]) -> RotaryTable {
        RotaryTable.standard(positions: positions, dimension: attention.headDimension, theta: ropeBase)
    }

    /// `input` [B, L, hidden] → [B, L, hidden], causal.
    func callAsFunction(_ input: Tensor, rotary: RotaryTable, cache: (any AttentionCache)? = nil,
                        keyPaddingMask: Tensor? = nil) -> Tensor {
        let afterAttention = input + attention(inputNorm(input), rotary: rotary, cache: cache, causal: true,
                                               keyPaddingMask: keyPaddingMask)
        return afterAttention + mlp(postAttentionNorm(afterAttention))
    }
}
