// Mirrors transformers' Qwen2Attention (modeling_qwen2.py): q/k/v projections (optionally biased),
// rotary embedding with rotate_half, grouped-query heads, causal softmax(q·kᵀ/√d)·v, o_proj — over
// the engine's fused rotary and scaled-dot-product-attention kernels.
//
// Shape legend: B batch, L sequence, H query heads, G key/value heads, D head dimension.
import Tensor

/// Multi-head causal self-attention with grouped key/value heads and rotary positions.
open class Attention: Module {
    @ModuleInfo(key: "q_proj") public var queryProjection: Linear
    @ModuleInfo(key: "k_proj") public var keyProjection: Linear
    @ModuleInfo(key: "v_proj") public var valueProjection: Linear
    @ModuleInfo(key: "o_proj") public var outputProjection: Linear
    public let heads: Int
    public let keyValueHeads: Int
    public let headDimension: Int
    /// RoPE base θ.
    public let ropeBase: Float

    public init(query: Linear, key: Linear, value: Linear, output: Linear, heads: Int, keyValueHeads: Int, ropeBase: Float) {
        precondition(heads > 0 && keyValueHeads > 0 && heads % keyValueHeads == 0, "heads \(heads) must be a multiple of key/value heads \(keyValueHeads)")
        precondition(query.outputDimensions % heads == 0, "query width \(query.outputDimensions) is not divisible by \(heads) heads")
        let headDimension = query.outputDimensions / heads
        precondition(headDimension % 2 == 0, "rotary embeddings need an even head dimension, got \(headDimension)")
        precondition(key.outputDimensions == keyValueHeads * headDimension && value.outputDimensions == key.outputDimensions,
                     "key/value widths must be \(keyValueHeads) × \(headDimension)")
        self.heads = heads
        self.keyValueHeads = keyValueHeads
        self.headDimension = headDimension
        self.ropeBase = ropeBase
        super.init()
        queryProjection = query
        keyProjection = key
        valueProjection = value
        outputProjection = output
    }

    /// Qwen2's layout: biased q/k/v, bias-free output; initialised reproducibly.
    public convenience init(hiddenSize: Int, heads: Int, keyValueHeads: Int, ropeBase: Float = 10000,
                            initializer: inout RandomGenerator) {
        let headDimension = hiddenSize / heads
        self.init(query: Linear(hiddenSize, heads * headDimension, bias: true, initializer: &initializer),
                  key: Linear(hiddenSize, keyValueHeads * headDimension, bias: true, initializer: &initializer),
                  value: Linear(hiddenSize, keyValueHeads * headDimension, bias: true, initializer: &initializer),
                  output: Linear(heads * headDimension, hiddenSize, bias: false, initializer: &initializer),
                  heads: heads, keyValueHeads: keyValueHeads, ropeBase: ropeBase)
    }

    /// Causal self-attention of `input` [B, L, hidden] at integer `positions` (default 0..<L).
    open func callAsFunction(_ input: Tensor, positions: [Int]? = nil) -> Tensor {
        let (batch, length) = (input.shape[0], input.shape[1])
        let positions = positions ?? Array(0..<length)
        precondition(positions.count == length, "\(positions.count) positions for a sequence of \(length)")
        let table = RotaryTable.standard(positions: positions, dimension: headDimension, theta: ropeBase)
        // [B, L, H·D] → [B, L, H, D] → rotate → [B, H, L, D] (a view)
        let query = queryProjection(input).reshaped([batch, length, heads, headDimension])
            .applyingRotaryEmbedding(table, positionAxis: 1).transposed(1, 2)
        let key = keyProjection(input).reshaped([batch, length, keyValueHeads, headDimension])
            .applyingRotaryEmbedding(table, positionAxis: 1).transposed(1, 2)
        let value = valueProjection(input).reshaped([batch, length, keyValueHeads, headDimension]).transposed(1, 2)
        let context = Tensor.scaledDotProductAttention(query: query, key: key, value: value, causal: true)  // [B, H, L, D]
        return outputProjection(context.transposed(1, 2).reshaped([batch, length, heads * headDimension]))
    }
}
