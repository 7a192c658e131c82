// Mirrors diffusers' transformer_wan.py `WanAttention` + `WanAttnProcessor`: q/k RMSNorm over all heads
// together (before the head split), interleaved 3-D RoPE on self-attention, and for I2V models a second
// key/value projection of the CLIP image tokens whose attention output is added to the text one.
//
// Shapes: B batch, L query tokens, S context rows, H heads, D head dimension, dim = H·D.
import NN
import Tensor

final class WanAttention: Module {
    @ModuleInfo(key: "to_q") var queryProjection: Linear
    @ModuleInfo(key: "to_k") var keyProjection: Linear
    @ModuleInfo(key: "to_v") var valueProjection: Linear
    @ModuleInfo(key: "to_out.0") var outputProjection: Linear
    @ModuleInfo(key: "norm_q") var queryNorm: RMSNorm
    @ModuleInfo(key: "norm_k") var keyNorm: RMSNorm
    @ModuleInfo(key: "add_k_proj") var imageKeyProjection: Linear? = nil
    @ModuleInfo(key: "add_v_proj") var imageValueProjection: Linear? = nil
    @ModuleInfo(key: "norm_added_k") var imageKeyNorm: RMSNorm? = nil
    let heads: Int
    /// Prepared bf16 Wᵀ of q, k, v, o for the bf16-activation mode (see WanLinear.swift); empty when off.
    var transposedWeights: [Int: Tensor] = [:]

    /// Switches the bf16-activation mode, preparing or dropping the transposed weights.
    func setBFloat16Activations(_ enabled: Bool) {
        let projections = [queryProjection, keyProjection, valueProjection, outputProjection]
        transposedWeights = [:]
        guard enabled else { return }
        for (index, projection) in projections.enumerated() { transposedWeights[index] = projection.bfloat16TransposedWeight() }
    }

    init(dimension: Int, heads: Int, epsilon: Float, imageKeyValueDimension: Int?, dtype: DType) {
        self.heads = heads
        super.init()
        queryProjection = Linear(reserving: dimension, dimension, dtype: dtype)
        keyProjection = Linear(reserving: dimension, dimension, dtype: dtype)
        valueProjection = Linear(reserving: dimension, dimension, dtype: dtype)
        outputProjection = Linear(reserving: dimension, dimension, dtype: dtype)
        // diffusers builds both norms whatever `qk_norm` says, so the checkpoints always carry them.
        queryNorm = RMSNorm(weight: .reserved([dimension], dtype: dtype), epsilon: epsilon)
        keyNorm = RMSNorm(weight: .reserved([dimension], dtype: dtype), epsilon: epsilon)
        if let imageKeyValueDimension {
            imageKeyProjection = Linear(reserving: imageKeyValueDimension, dimension, dtype: dtype)
            imageValueProjection = Linear(reserving: imageKeyValueDimension, dimension, dtype: dtype)
            imageKeyNorm = RMSNorm(weight: .reserved([dimension], dtype: dtype), epsilon: epsilon)
        }
    }

    /// [B, N, dim] → [B, H, N, D] as a view.
    private func splitHeads(_ x: Tensor) -> Tensor {
        x.reshaped([x.shape[0], x.shape[1], heads, x.shape[2] / heads])  // [B, N, H, D]
            .transposed(1, 2)                                            // [B, H, N, D]
    }

    /// [B, H, L, D] (stored [B, L, H, D]) → [B, L, dim].
    private func mergeHeads(_ x: Tensor) -> Tensor {
        let t = x.transposed(1, 2)  // [B, L, H, D]
        return t.reshaped([t.shape[0], t.shape[1], t.shape[2] * t.shape[3]])
    }

    /// Self-attention over `x` [B, L, dim] with the rotary table of its (f, h, w) grid.
    func selfAttention(_ x: Tensor, rotary: RotaryTable) -> Tensor {
        let (batch, length, dimension) = (x.shape[0], x.shape[1], x.shape[2])
        let headShape = [batch, length, heads, dimension / heads]                      // [B, L, H, D]
        let query = queryNorm(queryProjection.wanForward(x, transposedWeight: transposedWeights[0])).reshaped(headShape).applyingRotaryEmbedding(rotary, positionAxis: 1)
        let key = keyNorm(keyProjection.wanForward(x, transposedWeight: transposedWeights[1])).reshaped(headShape).applyingRotaryEmbedding(rotary, positionAxis: 1)
        let value = valueProjection.wanForward(x, transposedWeight: transposedWeights[2]).reshaped(headShape)
        let attended = Tensor.scaledDotProductAttention(query: query.transposed(1, 2), key: key.transposed(1, 2),
                                                        value: value.transposed(1, 2))
        return outputProjection.wanForward(mergeHeads(attended), transposedWeight: transposedWeights[3])
    }

    /// Un-masked cross-attention from `x` [B, L, dim] to `context` [B, S, dim] (every padded row attends),
    /// plus, for I2V models, to `imageContext` [B, S_img, dim].
    func crossAttention(_ x: Tensor, context: Tensor, imageContext: Tensor?) -> Tensor {
        let query = splitHeads(queryNorm(queryProjection.wanForward(x, transposedWeight: transposedWeights[0])))
        let key = splitHeads(keyNorm(keyProjection.wanForward(context, transposedWeight: transposedWeights[1])))
        let value = splitHeads(valueProjection.wanForward(context, transposedWeight: transposedWeights[2]))
        var attended = mergeHeads(Tensor.scaledDotProductAttention(query: query, key: key, value: value))
        if let imageContext, let imageKeyProjection, let imageValueProjection, let imageKeyNorm {
            let imageKey = splitHeads(imageKeyNorm(imageKeyProjection(imageContext)))
            let imageValue = splitHeads(imageValueProjection(imageContext))
            attended = attended + mergeHeads(Tensor.scaledDotProductAttention(query: query, key: imageKey, value: imageValue))
        }
        return outputProjection.wanForward(attended, transposedWeight: transposedWeights[3])
    }
}
