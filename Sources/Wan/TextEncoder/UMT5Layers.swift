// Mirrors transformers' UMT5LayerSelfAttention, UMT5DenseGatedActDense, UMT5LayerFF, UMT5Block and the encoder
// UMT5Stack (models/umt5/modeling_umt5.py): pre-norm residual layers with T5's RMS norm (no mean, no bias,
// variance in float32) and the gated-GELU feed-forward wo(gelu_tanh(wi_0 x) · wi_1 x).
import NN
import Tensor

/// What every layer of one forward pass shares: the relative-position buckets, the padding, the product precision.
struct UMT5ForwardContext {
    /// [L, L] int64 bucket ids.
    var bucketIDs: Tensor
    /// Bool [B, L], true at padding (nil: no padding).
    var keyPaddingMask: Tensor?
    /// [B, 1, 1, 1]: 0 for rows whose every key is padding, 1 elsewhere (nil: no such row).
    var emptyRowScale: Tensor?
    var precision: UMT5ProductPrecision

    /// `linear(input)` [.., in] → [.., out] float32, in the chosen precision.
    func project(_ input: Tensor, _ linear: Linear) -> Tensor {
        guard precision == .bfloat16, linear.weight.dtype == .bfloat16, linear.bias == nil else { return linear(input) }
        // The engine's bf16 GEMM packs its right operand; packing the few activation rows (Xᵀ) rather than the
        // weight lets W [out, in] be read in place as the left operand: y = (W · Xᵀ)ᵀ.
        let rows = input.reshaped([-1, linear.inputDimensions]).converted(to: .bfloat16) // [M, in]
        let product = linear.weight.matmul(rows.transposed()) // [out, M], bf16 (float32 accumulation)
        return product.transposed().converted(to: .float32) // [M, out]
            .reshaped(Array(input.shape.dropLast()) + [linear.outputDimensions])
    }
}

/// The precision of the encoder's matrix products.
public enum UMT5ProductPrecision: Sendable {
    /// float32 activations; bf16/f16 weights widened exactly inside each product (what conformance compares).
    case float32
    /// With bf16 weights, activations rounded to bf16 and multiplied in the engine's bf16 GEMM (float32
    /// accumulation, bf16 result), as torch's bf16 `nn.Linear` does; norms, attention and the residual stream
    /// stay float32. For speed, where the reference pipeline runs its encoder in bf16 anyway.
    case bfloat16
}

/// `layer.0`: x + SelfAttention(layer_norm(x)).
public final class UMT5LayerSelfAttention: Module {
    @ModuleInfo(key: "SelfAttention") public var attention: UMT5Attention
    @ModuleInfo(key: "layer_norm") public var norm: RMSNorm

    init(configuration: UMT5Configuration, dtype: DType) {
        super.init()
        attention = UMT5Attention(configuration: configuration, dtype: dtype)
        norm = RMSNorm(weight: .reserved([configuration.modelDimension], dtype: dtype), epsilon: Float(configuration.layerNormEpsilon))
    }

    func callAsFunction(_ hidden: Tensor, context: UMT5ForwardContext) -> Tensor {
        hidden + attention(norm(hidden), context: context)
    }
}

/// `DenseReluDense` of a `gated-gelu` umT5: wo(gelu_new(wi_0 x) · wi_1 x), all bias-free.
public final class UMT5GatedFeedForward: Module {
    @ModuleInfo(key: "wi_0") public var gate: Linear
    @ModuleInfo(key: "wi_1") public var up: Linear
    @ModuleInfo(key: "wo") public var down: Linear

    init(configuration: UMT5Configuration, dtype: DType) {
        let model = configuration.modelDimension, inner = configuration.feedForwardDimension
        super.init()
        gate = Linear(reserving: model, inner, bias: false, dtype: dtype)
        up = Linear(reserving: model, inner, bias: false, dtype: dtype)
        down = Linear(reserving: inner, model, bias: false, dtype: dtype)
    }

    func callAsFunction(_ hidden: Tensor, context: UMT5ForwardContext) -> Tensor {
        // "gated-gelu" selects gelu_new, the tanh approximation (UMT5Config.__init__).
        context.project(context.project(hidden, gate).gelu(approximation: .tanh) * context.project(hidden, up), down)
    }
}

/// `layer.1`: x + DenseReluDense(layer_norm(x)).
public final class UMT5LayerFeedForward: Module {
    @ModuleInfo(key: "DenseReluDense") public var feedForward: UMT5GatedFeedForward
    @ModuleInfo(key: "layer_norm") public var norm: RMSNorm

    init(configuration: UMT5Configuration, dtype: DType) {
        super.init()
        feedForward = UMT5GatedFeedForward(configuration: configuration, dtype: dtype)
        norm = RMSNorm(weight: .reserved([configuration.modelDimension], dtype: dtype), epsilon: Float(configuration.layerNormEpsilon))
    }

    func callAsFunction(_ hidden: Tensor, context: UMT5ForwardContext) -> Tensor {
        hidden + feedForward(norm(hidden), context: context)
    }
}

/// One encoder block: `layer.0` (self-attention) then `layer.1` (feed-forward).
public final class UMT5Block: Module {
    @ModuleInfo(key: "layer.0") public var selfAttention: UMT5LayerSelfAttention
    @ModuleInfo(key: "layer.1") public var feedForward: UMT5LayerFeedForward

    init(configuration: UMT5Configuration, dtype: DType) {
        super.init()
        selfAttention = UMT5LayerSelfAttention(configuration: configuration, dtype: dtype)
        feedForward = UMT5LayerFeedForward(configuration: configuration, dtype: dtype)
    }

    func callAsFunction(_ hidden: Tensor, context: UMT5ForwardContext) -> Tensor {
        feedForward(selfAttention(hidden, context: context), context: context)
    }
}

/// The encoder stack: blocks, then `final_layer_norm`. Embedding happens in the model (`shared`).
public final class UMT5Stack: Module {
    @ModuleInfo(key: "block") public var blocks: [UMT5Block]
    @ModuleInfo(key: "final_layer_norm") public var finalNorm: RMSNorm
    let configuration: UMT5Configuration

    init(configuration: UMT5Configuration, dtype: DType) {
        self.configuration = configuration
        super.init()
        blocks = (0..<configuration.layers).map { _ in UMT5Block(configuration: configuration, dtype: dtype) }
        finalNorm = RMSNorm(weight: .reserved([configuration.modelDimension], dtype: dtype), epsilon: Float(configuration.layerNormEpsilon))
    }

    /// `embeddings` [B, L, D], `attentionMask` rows of 1 (token) and 0 (padding) → [B, L, D].
    func callAsFunction(_ embeddings: Tensor, attentionMask: [[Int]]?, precision: UMT5ProductPrecision,
                        progress: ((Int) -> Void)? = nil) -> Tensor {
        let batch = embeddings.shape[0], length = embeddings.shape[1]
        let bucketIDs = UMT5RelativePositions.bucketIDs(length: length, buckets: configuration.relativeAttentionBuckets,
                                                        maxDistance: configuration.relativeAttentionMaxDistance)
        var keyPaddingMask: Tensor?
        var emptyRowScale: Tensor?
        if let attentionMask, attentionMask.contains(where: { $0.contains(0) }) {
            // transformers adds finfo(float32).min to padded keys, which swamps q·k and the bias: a row whose every
            // key is padding averages all values uniformly. Unmasked, with zero query and bias, it does so here too.
            let empty = attentionMask.map { !$0.contains { $0 != 0 } }
            keyPaddingMask = Tensor(bools: zip(attentionMask, empty).flatMap { row, isEmpty in row.map { $0 == 0 && !isEmpty } },
                                    shape: [batch, length])
            if empty.contains(true) { emptyRowScale = Tensor(empty.map { $0 ? 0 : 1 }, shape: [batch, 1, 1, 1]) }
        }
        let context = UMT5ForwardContext(bucketIDs: bucketIDs, keyPaddingMask: keyPaddingMask, emptyRowScale: emptyRowScale,
                                         precision: precision)
        var hidden = embeddings
        for (index, block) in blocks.enumerated() {
            hidden = block(hidden, context: context)
            progress?(index + 1)
        }
        return finalNorm(hidden)
    }
}
