// Mirrors transformers' Qwen2Attention (modeling_qwen2.py, eager path): q/k/v projections (optionally
// biased), rotary embedding with rotate_half, grouped-query heads, causal softmax(q·kᵀ/√d)·v, o_proj.
// Composed from primitive engine ops.
//
// Shape legend: B batch, L sequence, H query heads, G key/value heads, D head dimension.
import Foundation
import Tensor

/// Rotary position embedding tables (`rotate_half` layout, as Llama/Qwen use).
public struct RotaryEmbedding: Sendable {
    public let dimensions: Int
    public let base: Float
    /// 1/base^(2i/dimensions), i < dimensions/2, in float32 as transformers computes it.
    public let inverseFrequencies: [Float]

    public init(dimensions: Int, base: Float = 10000) {
        precondition(dimensions > 0 && dimensions % 2 == 0, "rotary dimensions must be positive and even, got \(dimensions)")
        self.dimensions = dimensions
        self.base = base
        inverseFrequencies = (0..<(dimensions / 2)).map { 1 / Foundation.pow(base, Float(2 * $0) / Float(dimensions)) }
    }

    /// cos and sin tables [positions.count, dimensions] (angles duplicated across both halves).
    public func tables(positions: [Int]) -> (cos: Tensor, sin: Tensor) {
        let half = dimensions / 2
        var cosines = [Float](repeating: 0, count: positions.count * dimensions)
        var sines = cosines
        for (row, position) in positions.enumerated() {
            for index in 0..<half {
                let angle = Float(position) * inverseFrequencies[index]
                let (c, s) = (Foundation.cos(angle), Foundation.sin(angle))
                cosines[row * dimensions + index] = c
                cosines[row * dimensions + index + half] = c
                sines[row * dimensions + index] = s
                sines[row * dimensions + index + half] = s
            }
        }
        return (Tensor(cosines, shape: [positions.count, dimensions]), Tensor(sines, shape: [positions.count, dimensions]))
    }

    /// x·cos + rotate_half(x)·sin over the last axis; `cos`/`sin` broadcast against x.
    public static func apply(_ x: Tensor, cos: Tensor, sin: Tensor) -> Tensor {
        x * cos + rotateHalf(x) * sin
    }

    /// [−x₂, x₁] for x = [x₁, x₂] split at the middle of the last axis. Written as a product with
    /// a signed permutation matrix, which is exact and differentiable with matmul alone.
    public static func rotateHalf(_ x: Tensor) -> Tensor {
        let dimensions = x.shape[x.rank - 1]
        let half = dimensions / 2
        var matrix = [Float](repeating: 0, count: dimensions * dimensions)
        for column in 0..<half {
            matrix[(column + half) * dimensions + column] = -1  // output[i] = −x[i + half]
            matrix[column * dimensions + column + half] = 1     // output[i + half] = x[i]
        }
        return x.matmul(Tensor(matrix, shape: [dimensions, dimensions]))
    }
}

/// Multi-head self-attention with grouped key/value heads and rotary positions.
open class Attention: Module {
    @ModuleInfo(key: "q_proj") public var queryProjection: Linear
    @ModuleInfo(key: "k_proj") public var keyProjection: Linear
    @ModuleInfo(key: "v_proj") public var valueProjection: Linear
    @ModuleInfo(key: "o_proj") public var outputProjection: Linear
    public let heads: Int
    public let keyValueHeads: Int
    public let headDimension: Int
    public let rotary: RotaryEmbedding

    public init(query: Linear, key: Linear, value: Linear, output: Linear, heads: Int, keyValueHeads: Int, ropeBase: Float) {
        precondition(heads > 0 && keyValueHeads > 0 && heads % keyValueHeads == 0, "heads \(heads) must be a multiple of key/value heads \(keyValueHeads)")
        precondition(query.outputDimensions % heads == 0, "query width \(query.outputDimensions) is not divisible by \(heads) heads")
        let headDimension = query.outputDimensions / heads
        precondition(key.outputDimensions == keyValueHeads * headDimension && value.outputDimensions == key.outputDimensions,
                     "key/value widths must be \(keyValueHeads) × \(headDimension)")
        self.heads = heads
        self.keyValueHeads = keyValueHeads
        self.headDimension = headDimension
        rotary = RotaryEmbedding(dimensions: headDimension, base: ropeBase)
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
        // [B, L, H·D] → [B, H, L, D]
        let query = queryProjection(input).reshaped([batch, length, heads, headDimension]).permuted([0, 2, 1, 3])
        let key = keyProjection(input).reshaped([batch, length, keyValueHeads, headDimension]).permuted([0, 2, 1, 3])
        let value = valueProjection(input).reshaped([batch, length, keyValueHeads, headDimension]).permuted([0, 2, 1, 3])
        let (cos, sin) = rotary.tables(positions: positions)  // [L, D]
        let rotatedQuery = RotaryEmbedding.apply(query, cos: cos, sin: sin)
        let rotatedKey = RotaryEmbedding.apply(key, cos: cos, sin: sin)
        let scores = rotatedQuery.matmul(expandHeads(rotatedKey).transposed()) * (1 / Float(headDimension).squareRoot())  // [B, H, L, L]
        let weights = (scores + Self.causalMask(length: length)).softmax(axis: -1)
        let context = weights.matmul(expandHeads(value))  // [B, H, L, D]
        return outputProjection(context.permuted([0, 2, 1, 3]).reshaped([batch, length, heads * headDimension]))
    }

    /// [B, G, L, D] → [B, H, L, D] by repeating each key/value head H/G times (repeat_kv).
    func expandHeads(_ x: Tensor) -> Tensor {
        let repeats = heads / keyValueHeads
        guard repeats > 1 else { return x }
        let (batch, length) = (x.shape[0], x.shape[2])
        return x.unsqueezed(2).expanded(to: [batch, keyValueHeads, repeats, length, headDimension])
            .reshaped([batch, heads, length, headDimension])
    }

    /// [L, L] additive mask: 0 on and below the diagonal, float32's lowest value above (as transformers).
    static func causalMask(length: Int) -> Tensor {
        var values = [Float](repeating: 0, count: length * length)
        for row in 0..<length { for column in (row + 1)..<max(row + 1, length) { values[row * length + column] = -Float.greatestFiniteMagnitude } }
        return Tensor(values, shape: [length, length])
    }
}
