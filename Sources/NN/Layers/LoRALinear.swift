// Mirrors peft's LoraLayer for nn.Linear (peft/tuners/lora/layer.py): y = W·x + b + (B·A·dropout(x))·α/r,
// A initialised kaiming-uniform(a=√5), B zero; merge adds (α/r)·B·A into W; a disabled adapter gives the
// base layer's output. Adapter keys follow peft's layout (`q_proj.lora_A.weight`, `q_proj.lora_B.weight`).
import Tensor

/// A Linear layer with a low-rank adapter; only the adapter (A, B) is trainable.
open class LoRALinear: Linear {
    /// [rank, in].
    @ParameterInfo(key: "lora_A.weight") public var adapterDown: Tensor
    /// [out, rank].
    @ParameterInfo(key: "lora_B.weight") public var adapterUp: Tensor
    public let rank: Int
    public let alpha: Float
    public let dropoutProbability: Float
    /// Whether the adapter takes part in the output. Disabled, the layer computes exactly the base
    /// layer's output, merged or not — GRPO's reference policy is the same model with adapters off.
    public var isEnabled = true
    /// Whether the adapter is currently folded into `weight`.
    public var isMerged: Bool { unmergedWeight != nil }
    /// The base weight while merged, so disabling and unmerging give it back bit for bit instead of
    /// subtracting the update again (which rounds). Holding it costs one weight's memory while merged.
    private var unmergedWeight: Tensor?
    private var dropoutGenerator: RandomGenerator

    /// The adapter's scale α/r.
    public var scale: Float { alpha / Float(rank) }

    /// Wraps `base`'s weight and bias with a fresh adapter (A random, B zero, so the output is unchanged).
    public init(base: Linear, rank: Int, alpha: Float, dropout: Float = 0, initializer: inout RandomGenerator) {
        precondition(rank > 0, "LoRA rank must be positive, got \(rank)")
        precondition((0..<1).contains(dropout), "LoRA dropout must be in [0, 1), got \(dropout)")
        self.rank = rank
        self.alpha = alpha
        dropoutProbability = dropout
        // An independent stream for dropout masks, keyed from the initializer so runs reproduce.
        dropoutGenerator = RandomGenerator(seed: UInt64(initializer.randint([1], low: 0, high: Int(Int32.max)).int64Scalars[0]))
        let bound = 1 / Float(base.inputDimensions).squareRoot()
        let down = initializer.uniform([rank, base.inputDimensions], low: -bound, high: bound)
        super.init(weight: base.weight, bias: base.bias)
        adapterDown = down
        adapterUp = Tensor.zeros([base.outputDimensions, rank])
        // Only the adapter trains; the base weight and bias are frozen.
        for (key, slot) in parameterSlots() where !key.hasPrefix("lora_") { slot.isTrainable = false }
    }

    open override func callAsFunction(_ input: Tensor) -> Tensor {
        guard isEnabled else { return input.linear(weight: unmergedWeight ?? weight, bias: bias).roundedToActivationPrecision() }
        let base = input.linear(weight: weight, bias: bias).roundedToActivationPrecision()
        guard !isMerged else { return base }
        // Under bf16 activations as PEFT with its default float32 adapters: the adapter path in float32, the sum
        // rounded once.
        let update = input.dropout(dropoutProbability, training: isTraining, generator: &dropoutGenerator)
            .linear(weight: adapterDown).linear(weight: adapterUp) * scale
        return (base + update).roundedToActivationPrecision()
    }

    /// The low-rank update (α/r)·B·A, [out, in].
    public var delta: Tensor { adapterUp.matmul(adapterDown) * scale }

    /// Folds the adapter into `weight` (for inference: one matrix product per layer again); a no-op when
    /// already merged. Train unmerged: a merged layer passes no gradient to the adapter.
    public func merge() {
        guard !isMerged else { return }
        let base = weight
        weight = Autograd.withoutGradient { (base.converted(to: .float32) + delta).converted(to: base.dtype) }
        unmergedWeight = base
    }

    /// Restores the base weight exactly; a no-op when not merged.
    public func unmerge() {
        guard let base = unmergedWeight else { return }
        weight = base
        unmergedWeight = nil
    }
}

extension Tensor {
    /// Inverted dropout: zeroes elements with probability `probability` and scales the rest by
    /// 1/(1−p) when `training`; the identity otherwise.
    func dropout(_ probability: Float, training: Bool, generator: inout RandomGenerator) -> Tensor {
        guard training, probability > 0 else { return self }
        let keep = generator.bernoulli(Tensor.full(shape, value: 1 - probability))
        return self * (keep * (1 / (1 - probability)))
    }
}
