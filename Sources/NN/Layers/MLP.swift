// Mirrors transformers' Qwen2MLP: down(silu(gate(x)) · up(x)), the SwiGLU feed-forward block.
import Tensor

/// The gated SiLU feed-forward block of Qwen2 / Llama.
open class SwiGLUMLP: Module {
    @ModuleInfo(key: "gate_proj") public var gateProjection: Linear
    @ModuleInfo(key: "up_proj") public var upProjection: Linear
    @ModuleInfo(key: "down_proj") public var downProjection: Linear

    public init(gate: Linear, up: Linear, down: Linear) {
        precondition(gate.outputDimensions == up.outputDimensions && down.inputDimensions == gate.outputDimensions,
                     "SwiGLU projections do not chain: gate \(gate.weight.shape), up \(up.weight.shape), down \(down.weight.shape)")
        super.init()
        gateProjection = gate
        upProjection = up
        downProjection = down
    }

    /// Bias-free projections hidden → intermediate → hidden, initialised reproducibly.
    public convenience init(hiddenSize: Int, intermediateSize: Int, bias: Bool = false, initializer: inout RandomGenerator) {
        self.init(gate: Linear(hiddenSize, intermediateSize, bias: bias, initializer: &initializer),
                  up: Linear(hiddenSize, intermediateSize, bias: bias, initializer: &initializer),
                  down: Linear(intermediateSize, hiddenSize, bias: bias, initializer: &initializer))
    }

    open func callAsFunction(_ input: Tensor) -> Tensor {
        let gate = gateProjection(input).silu().roundedToActivationPrecision()
        return downProjection((gate * upProjection(input)).roundedToActivationPrecision())
    }
}
