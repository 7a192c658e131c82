// Mirrors transformers' UMT5Attention (models/umt5/modeling_umt5.py) for the encoder: bias-free q/k/v/o, no
// 1/√d scaling, and a relative-position bias from this layer's own bucket table (umT5's difference from T5).
//
// Shapes: B batch, L tokens, H heads, K = d_kv per head (not necessarily d_model / H), D = d_model.
import Foundation
import NN
import Tensor

/// T5's bidirectional relative-position buckets (`_relative_position_bucket` with `is_decoder` false).
public enum UMT5RelativePositions {
    /// The bucket of `relativePosition` = key index − query index. Half the buckets hold keys after the query;
    /// within each half, distances below a quarter of the buckets are exact and the rest grow logarithmically
    /// up to `maxDistance`, in float32 as torch computes them (the truncation at whole buckets depends on it).
    public static func bucket(_ relativePosition: Int, buckets: Int, maxDistance: Int) -> Int {
        let half = buckets / 2
        let base = relativePosition > 0 ? half : 0
        let distance = relativePosition.magnitude
        let exact = half / 2
        if distance < UInt(exact) { return base + Int(distance) }
        // torch: log(r.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact), then .long().
        let logRatio = Float(log(Double(maxDistance) / Double(exact)))
        let scaled = logf(Float(distance) / Float(exact)) / logRatio * Float(half - exact)
        let large = exact + (scaled.isFinite ? Int(min(scaled, Float(half))) : half)
        return base + min(large, half - 1)
    }

    /// The [Lq, Lk] bucket ids (int64) of every query/key pair of a length-`length` sequence.
    public static func bucketIDs(length: Int, buckets: Int, maxDistance: Int) -> Tensor {
        // Buckets depend only on key − query, so compute each of the 2L − 1 differences once.
        let table = (-(length - 1)..<length).map { Int64(bucket($0, buckets: buckets, maxDistance: maxDistance)) }
        var ids = [Int64](repeating: 0, count: length * length)
        for query in 0..<length {
            for key in 0..<length { ids[query * length + key] = table[key - query + length - 1] }
        }
        return Tensor(int64: ids, shape: [length, length])
    }
}

/// Self-attention of one umT5 encoder layer, with its relative-position bias table.
public final class UMT5Attention: Module {
    @ModuleInfo(key: "q") public var query: Linear
    @ModuleInfo(key: "k") public var key: Linear
    @ModuleInfo(key: "v") public var value: Linear
    @ModuleInfo(key: "o") public var output: Linear
    /// [buckets, H].
    @ModuleInfo(key: "relative_attention_bias") public var relativeAttentionBias: Embedding
    public let heads: Int
    public let headDimension: Int

    /// Shape-only weights of `dtype`, filled by `load`.
    public init(configuration: UMT5Configuration, dtype: DType) {
        let model = configuration.modelDimension, inner = configuration.innerDimension
        heads = configuration.attentionHeads
        headDimension = configuration.keyValueDimension
        super.init()
        query = Linear(reserving: model, inner, bias: false, dtype: dtype)
        key = Linear(reserving: model, inner, bias: false, dtype: dtype)
        value = Linear(reserving: model, inner, bias: false, dtype: dtype)
        output = Linear(reserving: inner, model, bias: false, dtype: dtype)
        relativeAttentionBias = Embedding(reservingCount: configuration.relativeAttentionBuckets, dimensions: heads, dtype: dtype)
    }

    /// `hidden` [B, L, D] → [B, L, D].
    func callAsFunction(_ hidden: Tensor, context: UMT5ForwardContext) -> Tensor {
        let batch = hidden.shape[0], length = hidden.shape[1]
        func heads(_ projected: Tensor) -> Tensor {
            projected.reshaped([batch, length, self.heads, headDimension]).transposed(1, 2) // [B, H, L, K]
        }
        var q = heads(context.project(hidden, query))
        let k = heads(context.project(hidden, key)), v = heads(context.project(hidden, value))
        var bias = relativeAttentionBias(context.bucketIDs) // [Lq, Lk, H]
            .permuted([2, 0, 1]).reshaped([1, self.heads, length, length]) // [1, H, Lq, Lk]
        if let emptyRowScale = context.emptyRowScale {
            // Equal scores for every key: the uniform average torch gives such rows.
            q = q * emptyRowScale
            bias = bias * emptyRowScale // [B, H, Lq, Lk]
        }
        // T5 folds its scale into the initialisation: scores are q·k + bias, unscaled.
        let attended = Tensor.scaledDotProductAttention(query: q, key: k, value: v, bias: bias,
                                                        keyPaddingMask: context.keyPaddingMask, scale: 1) // [B, H, L, K]
        return context.project(attended.transposed(1, 2).reshaped([batch, length, self.heads * headDimension]), output) // [B, L, H·K] → [B, L, D]
    }
}
