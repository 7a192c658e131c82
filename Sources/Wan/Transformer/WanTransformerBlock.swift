// Mirrors diffusers' transformer_wan.py `WanTransformerBlock` (official `WanAttentionBlock`): modulated
// self-attention, un-modulated cross-attention (diffusers' `norm2` is the affine one, the official `norm3`),
// modulated GELU-tanh feed-forward; the six modulation vectors are the block's table plus the time projection.
import NN
import Tensor

/// diffusers' `FeedForward(dim, inner_dim, activation_fn="gelu-approximate")`.
final class WanFeedForward: Module {
    @ModuleInfo(key: "net.0.proj") var projectIn: Linear
    @ModuleInfo(key: "net.2") var projectOut: Linear

    init(dimension: Int, hidden: Int, dtype: DType) {
        super.init()
        projectIn = Linear(reserving: dimension, hidden, dtype: dtype)
        projectOut = Linear(reserving: hidden, dimension, dtype: dtype)
    }

    /// Prepared bf16 Wᵀ of both projections for the bf16-activation mode (see WanLinear.swift); empty when off.
    var transposedWeights: [Int: Tensor] = [:]

    func setBFloat16Activations(_ enabled: Bool) {
        transposedWeights = [:]
        guard enabled else { return }
        transposedWeights[0] = projectIn.bfloat16TransposedWeight()
        transposedWeights[1] = projectOut.bfloat16TransposedWeight()
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let hidden = projectIn.wanForward(x, transposedWeight: transposedWeights[0]).gelu(approximation: .tanh)
        return projectOut.wanForward(hidden, transposedWeight: transposedWeights[1])
    }
}

/// The per-token-segment time conditioning of a forward pass: consecutive token runs that share one
/// timestep (one run for plain Wan2.1; two when clean reference tokens get t = 0).
struct WanModulationSegments {
    /// (token count, table-free 6-vector projection [B, 6, dim], un-projected temb [B, dim]) per run.
    var runs: [(length: Int, projection: Tensor, embedding: Tensor)]

    /// Applies `body` to each run's slice of `x` [B, L, dim] with that run's value, and joins the results.
    func map(_ x: Tensor, _ body: (Tensor, Int) -> Tensor) -> Tensor {
        if runs.count == 1 { return body(x, 0) }
        var start = 0
        var parts: [Tensor] = []
        for (index, run) in runs.enumerated() {
            parts.append(body(x.narrowed(axis: 1, start: start, length: run.length), index))
            start += run.length
        }
        return Tensor.concatenate(parts, axis: 1)
    }
}

final class WanTransformerBlock: Module {
    @ModuleInfo(key: "attn1") var selfAttention: WanAttention
    @ModuleInfo(key: "attn2") var crossAttention: WanAttention
    @ModuleInfo(key: "norm2") var crossAttentionNorm: LayerNorm? = nil
    @ModuleInfo(key: "ffn") var feedForward: WanFeedForward
    /// [1, 6, dim]: shift, scale, gate of self-attention, then of the feed-forward.
    @ParameterInfo(key: "scale_shift_table") var modulationTable: Tensor
    let epsilon: Float

    init(configuration: WanTransformerConfiguration, dtype: DType) {
        let dimension = configuration.hiddenSize
        epsilon = Float(configuration.epsilon)
        super.init()
        selfAttention = WanAttention(dimension: dimension, heads: configuration.attentionHeads, epsilon: epsilon,
                                     imageKeyValueDimension: nil, dtype: dtype)
        crossAttention = WanAttention(dimension: dimension, heads: configuration.attentionHeads, epsilon: epsilon,
                                      imageKeyValueDimension: configuration.addedKeyValueProjectionDimension, dtype: dtype)
        if configuration.crossAttentionNorm {
            crossAttentionNorm = LayerNorm(weight: .reserved([dimension], dtype: dtype), bias: .reserved([dimension], dtype: dtype),
                                           epsilon: epsilon)
        }
        feedForward = WanFeedForward(dimension: dimension, hidden: configuration.feedForwardDimension, dtype: dtype)
        modulationTable = .reserved([1, 6, dimension], dtype: dtype)
    }

    /// x [B, L, dim] → [B, L, dim].
    func callAsFunction(_ x: Tensor, context: Tensor, imageContext: Tensor?, time: WanModulationSegments,
                        rotary: RotaryTable) -> Tensor {
        let table = modulationTable.converted(to: .float32)
        // Per run: the six [B, 1, dim] vectors (shift, scale, gate) × 2.
        let vectors = time.runs.map { run in
            (table + run.projection).split(size: 1, axis: 1)
        }
        func modulated(_ input: Tensor, shift: Int, scale: Int) -> Tensor {
            time.map(input) { part, run in
                part.layerNorm(weight: nil, bias: nil, epsilon: epsilon) * (vectors[run][scale] + 1) + vectors[run][shift]
            }
        }
        func gated(_ input: Tensor, gate: Int) -> Tensor {
            time.map(input) { part, run in part * vectors[run][gate] }
        }
        var hidden = x
        hidden = hidden + gated(selfAttention.selfAttention(modulated(hidden, shift: 0, scale: 1), rotary: rotary), gate: 2)
        let crossInput = crossAttentionNorm.map { $0(hidden) } ?? hidden
        hidden = hidden + crossAttention.crossAttention(crossInput, context: context, imageContext: imageContext)
        hidden = hidden + gated(feedForward(modulated(hidden, shift: 3, scale: 4)), gate: 5)
        return hidden
    }
}
