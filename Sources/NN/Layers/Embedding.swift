// Mirrors torch.nn.Embedding: rows of a [vocabulary, dimensions] table picked by integer ids.
import Tensor

/// A lookup table from token ids to vectors.
open class Embedding: Module {
    /// [count, dimensions].
    @ParameterInfo(key: "weight") public var weight: Tensor

    public init(weight: Tensor) {
        precondition(weight.rank == 2, "Embedding weight must be [count, dimensions], got \(weight.shape)")
        super.init()
        self.weight = weight
    }

    /// A table initialised N(0,1)-like as torch does, here uniform with unit variance (±√3), reproducibly.
    public convenience init(count: Int, dimensions: Int, initializer: inout ParameterInitializer) {
        self.init(weight: initializer.uniform([count, dimensions], bound: Float(3).squareRoot()))
    }

    /// Vectors for integer `ids` of any shape: the result has shape ids.shape + [dimensions].
    /// Ids outside the table trap in the engine's checked index op.
    open func callAsFunction(_ ids: Tensor) -> Tensor {
        let flat = ids.reshaped([-1])
        return weight.indexSelected(axis: 0, indices: flat).reshaped(ids.shape + [weight.shape[1]])
    }

    /// Logits against the table (tied output head): x·Wᵀ.
    public func asLinear(_ input: Tensor) -> Tensor {
        input.linear(weight: weight)
    }
}
