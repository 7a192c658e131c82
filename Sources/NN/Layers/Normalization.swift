// Mirrors transformers' Qwen2RMSNorm (x·rsqrt(mean(x²)+ε)·w, in float32) and torch.nn.LayerNorm,
// over the engine's fused rmsNorm/layerNorm kernels.
import Tensor

/// Root-mean-square normalisation over the last axis with a learned scale.
open class RMSNorm: Module {
    /// [dimensions].
    @ParameterInfo(key: "weight") public var weight: Tensor
    public let epsilon: Float

    public init(weight: Tensor, epsilon: Float = 1e-6) {
        precondition(weight.rank == 1, "RMSNorm weight must be 1-D, got \(weight.shape)")
        self.epsilon = epsilon
        super.init()
        self.weight = weight
    }

    /// A norm with unit scale.
    public convenience init(dimensions: Int, epsilon: Float = 1e-6) {
        self.init(weight: Tensor.ones([dimensions]), epsilon: epsilon)
    }

    open func callAsFunction(_ input: Tensor) -> Tensor {
        guard ActivationPrecision.current == .bfloat16 else { return input.rmsNorm(weight: weight, epsilon: epsilon) }
        // Qwen2RMSNorm on bf16: the normalised values are rounded to bf16 before the (bf16) product with the weight.
        let normalized = input.rmsNorm(weight: nil, epsilon: epsilon).roundedToActivationPrecision()
        return (normalized * weight.converted(to: .float32)).roundedToActivationPrecision()
    }
}

/// Layer normalisation over the last axis, with optional affine weight and bias.
open class LayerNorm: Module {
    @ParameterInfo(key: "weight") public var weight: Tensor?
    @ParameterInfo(key: "bias") public var bias: Tensor?
    public let epsilon: Float

    public init(weight: Tensor?, bias: Tensor?, epsilon: Float = 1e-5) {
        self.epsilon = epsilon
        super.init()
        self.weight = weight
        self.bias = bias
    }

    /// A norm with unit weight and zero bias (`affine: false` gives neither, as Wan's modulated norms).
    public convenience init(dimensions: Int, epsilon: Float = 1e-5, affine: Bool = true) {
        self.init(weight: affine ? Tensor.ones([dimensions]) : nil,
                  bias: affine ? Tensor.zeros([dimensions]) : nil, epsilon: epsilon)
    }

    open func callAsFunction(_ input: Tensor) -> Tensor {
        input.layerNorm(weight: weight, bias: bias, epsilon: epsilon).roundedToActivationPrecision()
    }
}
