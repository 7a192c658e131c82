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

    /// A shape-only table of `dtype` that takes no memory until written (see `Linear(reserving:_:)`).
    public convenience init(reservingCount count: Int, dimensions: Int, dtype: DType = .float32) {
        self.init(weight: .reserved([count, dimensions], dtype: dtype))
    }

    /// A table initialised N(0, 1) as torch does, reproducibly from `initializer`.
    public convenience init(count: Int, dimensions: Int, initializer: inout RandomGenerator) {
        self.init(weight: initializer.normal([count, dimensions]))
    }

    /// Vectors for integer `ids` of any shape: the result has shape ids.shape + [dimensions].
    /// Ids outside the table trap in the engine's checked index op.
    open func callAsFunction(_ ids: Tensor) -> Tensor {
        weight.embedding(ids)
    }

    /// Logits against the table (tied output head): x·Wᵀ.
    public func asLinear(_ input: Tensor) -> Tensor {
        input.linear(weight: weight)
    }
}
