// Mirrors torch.nn.Linear: y = x·Wᵀ + b with W stored [out, in].
import Tensor

/// A fully connected layer over the last axis.
open class Linear: Module {
    /// [outputDimensions, inputDimensions].
    @ParameterInfo(key: "weight") public var weight: Tensor
    /// [outputDimensions], or nil for a bias-free layer.
    @ParameterInfo(key: "bias") public var bias: Tensor?

    /// A layer with the given weight (and bias).
    public init(weight: Tensor, bias: Tensor? = nil) {
        precondition(weight.rank == 2, "Linear weight must be [out, in], got \(weight.shape)")
        precondition(bias == nil || bias!.shape == [weight.shape[0]], "Linear bias must be [\(weight.shape[0])]")
        super.init()
        self.weight = weight
        self.bias = bias
    }

    /// A layer initialised like torch (U(±1/√in) for weight and bias), reproducibly from `initializer`.
    public convenience init(_ inputDimensions: Int, _ outputDimensions: Int, bias: Bool = true,
                            initializer: inout RandomGenerator) {
        let bound = 1 / Float(inputDimensions).squareRoot()
        let weight = initializer.uniform([outputDimensions, inputDimensions], low: -bound, high: bound)
        self.init(weight: weight, bias: bias ? initializer.uniform([outputDimensions], low: -bound, high: bound) : nil)
    }

    /// A shape-only layer: zero weight (and bias) of `dtype` that take no memory until written, for models
    /// built before `load` replaces every parameter with a checkpoint tensor (no random draws, no copies).
    public convenience init(reserving inputDimensions: Int, _ outputDimensions: Int, bias: Bool = true, dtype: DType = .float32) {
        self.init(weight: .reserved([outputDimensions, inputDimensions], dtype: dtype),
                  bias: bias ? .reserved([outputDimensions], dtype: dtype) : nil)
    }

    public var inputDimensions: Int { weight.shape[1] }
    public var outputDimensions: Int { weight.shape[0] }

    open func callAsFunction(_ input: Tensor) -> Tensor {
        input.linear(weight: weight, bias: bias).roundedToActivationPrecision()
    }
}
