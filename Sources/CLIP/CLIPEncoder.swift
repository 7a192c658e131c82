// Mirrors transformers' CLIPAttention, CLIPMLP, CLIPEncoderLayer and CLIPEncoder (models/clip/modeling_clip.py):
// the pre-LN transformer both towers share.
//
// Shape legend: B batch, L tokens (patches + class token, or text positions), H heads, D head dimension.
import NN
import Tensor

/// Multi-head self-attention with biased q/k/v/out projections and scale D^-½.
final class CLIPAttention: Module {
    @ModuleInfo(key: "q_proj") var queryProjection: Linear
    @ModuleInfo(key: "k_proj") var keyProjection: Linear
    @ModuleInfo(key: "v_proj") var valueProjection: Linear
    @ModuleInfo(key: "out_proj") var outputProjection: Linear
    let heads: Int

    init(hiddenSize: Int, heads: Int) {
        self.heads = heads
        super.init()
        queryProjection = Linear(reserving: hiddenSize, hiddenSize)
        keyProjection = Linear(reserving: hiddenSize, hiddenSize)
        valueProjection = Linear(reserving: hiddenSize, hiddenSize)
        outputProjection = Linear(reserving: hiddenSize, hiddenSize)
    }

    /// [B, L, hidden] → [B, L, hidden]; `keyPaddingMask` is bool [B, L], true at padding.
    func callAsFunction(_ input: Tensor, causal: Bool, keyPaddingMask: Tensor?) -> Tensor {
        let (batch, length, width) = (input.shape[0], input.shape[1], input.shape[2])
        let headDimension = width / heads
        let query = queryProjection(input).reshaped([batch, length, heads, headDimension])  // [B, L, H, D]
        let key = keyProjection(input).reshaped([batch, length, heads, headDimension])      // [B, L, H, D]
        let value = valueProjection(input).reshaped([batch, length, heads, headDimension])  // [B, L, H, D]
        let context = Attention.attend(query: query, key: key, value: value, rotary: nil, cache: nil, causal: causal,
                                       keyPaddingMask: keyPaddingMask, bias: nil)            // [B, L, H·D]
        return outputProjection(context)
    }
}

/// The activation named by a config's `hidden_act`.
enum CLIPActivation: String, Sendable {
    /// x·σ(1.702x), OpenAI's original.
    case quickGELU = "quick_gelu"
    /// The exact erf GELU (transformers' `ACT2FN["gelu"]`).
    case gelu

    func callAsFunction(_ input: Tensor) -> Tensor {
        switch self {
        case .quickGELU: return input.quickGELU()
        case .gelu: return input.gelu()
        }
    }
}

/// fc1 → activation → fc2.
final class CLIPMLP: Module {
    @ModuleInfo(key: "fc1") var firstLayer: Linear
    @ModuleInfo(key: "fc2") var secondLayer: Linear
    let activation: CLIPActivation

    init(hiddenSize: Int, intermediateSize: Int, activation: CLIPActivation) {
        self.activation = activation
        super.init()
        firstLayer = Linear(reserving: hiddenSize, intermediateSize)
        secondLayer = Linear(reserving: intermediateSize, hiddenSize)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        secondLayer(activation(firstLayer(input)))
    }
}

/// x += Attn(LN₁x); x += MLP(LN₂x).
final class CLIPEncoderLayer: Module {
    @ModuleInfo(key: "self_attn") var attention: CLIPAttention
    @ModuleInfo(key: "layer_norm1") var attentionNorm: LayerNorm
    @ModuleInfo(key: "mlp") var mlp: CLIPMLP
    @ModuleInfo(key: "layer_norm2") var mlpNorm: LayerNorm

    init(hiddenSize: Int, intermediateSize: Int, heads: Int, activation: CLIPActivation, epsilon: Float) {
        super.init()
        attention = CLIPAttention(hiddenSize: hiddenSize, heads: heads)
        attentionNorm = LayerNorm(dimensions: hiddenSize, epsilon: epsilon)
        mlp = CLIPMLP(hiddenSize: hiddenSize, intermediateSize: intermediateSize, activation: activation)
        mlpNorm = LayerNorm(dimensions: hiddenSize, epsilon: epsilon)
    }

    func callAsFunction(_ input: Tensor, causal: Bool, keyPaddingMask: Tensor?) -> Tensor {
        let hidden = input + attention(attentionNorm(input), causal: causal, keyPaddingMask: keyPaddingMask)
        return hidden + mlp(mlpNorm(hidden))
    }
}

/// The stack of encoder layers (`encoder.layers.N`).
final class CLIPEncoder: Module {
    @ModuleInfo(key: "layers") var layers: [CLIPEncoderLayer]

    init(layers count: Int, hiddenSize: Int, intermediateSize: Int, heads: Int, activation: CLIPActivation, epsilon: Float) {
        super.init()
        layers = (0 ..< count).map { _ in
            CLIPEncoderLayer(hiddenSize: hiddenSize, intermediateSize: intermediateSize, heads: heads,
                             activation: activation, epsilon: epsilon)
        }
    }

    func callAsFunction(_ input: Tensor, causal: Bool, keyPaddingMask: Tensor?) -> Tensor {
        layers.reduce(input) { hidden, layer in layer(hidden, causal: causal, keyPaddingMask: keyPaddingMask) }
    }
}
