// bf16 activations as PyTorch computes them on a CPU: each op reads bf16 values, computes in float32
// and rounds its output to bf16 once. Under `.bfloat16` the layers keep float32 storage but round at
// the same points (every Linear output, norm, activation, product, residual add, rotary step and
// attention output), so a model produces what the same model in bf16 PyTorch produces, up to
// summation order — what `vans debug qwen --dtype bf16` is checked against. It changes values, not
// speed or memory: the fast path is float32 activations over bf16 weights.
import Tensor

/// The precision activations are rounded to between ops.
public enum ActivationPrecision: Sendable, Equatable {
    /// Full float32 activations (the default, and what the conformance references use).
    case float32
    /// Every op output rounded to bf16 (round to nearest even), as a bf16 PyTorch model.
    case bfloat16

    /// The precision of the layers run in this task (`ActivationPrecision.$current.withValue(.bfloat16) { … }`).
    @TaskLocal public static var current: ActivationPrecision = .float32
}

extension Tensor {
    /// This float32 tensor rounded to the current activation precision (itself under `.float32`).
    /// Gradients pass straight through the rounding.
    public func roundedToActivationPrecision() -> Tensor {
        switch ActivationPrecision.current {
        case .float32: self
        case .bfloat16: converted(to: .bfloat16).converted(to: .float32)
        }
    }

    /// The rotary embedding at the current activation precision. Under `.bfloat16` it is what the
    /// Llama/Qwen2 family's `apply_rotary_pos_emb` computes on bf16 tensors: cos and sin rounded to bf16,
    /// then round(round(x·cos) + round(rotate_half(x)·sin)); under `.float32` the fused rotation.
    public func applyingRotaryEmbeddingRoundingProducts(_ table: RotaryTable, positionAxis: Int) -> Tensor {
        guard ActivationPrecision.current == .bfloat16 else { return applyingRotaryEmbedding(table, positionAxis: positionAxis) }
        func rounded(_ values: [Float]) -> [Float] { Tensor(values).roundedToActivationPrecision().scalars }
        let zeros = [Float](repeating: 0, count: table.cosine.count)
        // A table with sin = 0 multiplies by cos only; one with cos = 0 gives rotate_half(x)·sin only.
        let cosine = RotaryTable(cosine: rounded(table.cosine), sine: zeros, positions: table.positions, pairs: table.pairs,
                                 layout: table.layout)
        let sine = RotaryTable(cosine: zeros, sine: rounded(table.sine), positions: table.positions, pairs: table.pairs,
                               layout: table.layout)
        let byCosine = applyingRotaryEmbedding(cosine, positionAxis: positionAxis).roundedToActivationPrecision()
        let bySine = applyingRotaryEmbedding(sine, positionAxis: positionAxis).roundedToActivationPrecision()
        return (byCosine + bySine).roundedToActivationPrecision()
    }
}
