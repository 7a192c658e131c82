// Mirrors peft's LoraLayer for nn.Linear (peft/tuners/lora/layer.py): y = W·x + b + (B·A·dropout(x))·α/r,
// A initialised kaiming-uniform(a=√5), B zero; merge adds (α/r)·B·A into W. Adapter keys follow
// peft's saved-adapter layout (`q_proj.lora_A.weight`, `q_proj.lora_B.weight`).
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
    /// Whether the adapter is currently folded into `weight`.
    public private(set) var isMerged = false
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
        let base = input.linear(weight: weight, bias: bias)
        guard !isMerged else { return base }
        return base + input.dropout(dropoutProbability, training: isTraining, generator: &dropoutGenerator)
            .linear(weight: adapterDown).linear(weight: adapterUp) * scale
    }

    /// The low-rank update (α/r)·B·A, [out, in].
    public var delta: Tensor { adapterUp.matmul(adapterDown) * scale }

    /// Folds the adapter into `weight` (for inference); a no-op when already merged.
    public func merge() {
        guard !isMerged else { return }
        weight = Autograd.withoutGradient { (weight.converted(to: .float32) + delta).converted(to: weight.dtype) }
        isMerged = true
    }

    /// Takes the adapter back out of `weight`; a no-op when not merged.
    public func unmerge() {
        guard isMerged else { return }
        weight = Autograd.withoutGradient { (weight.converted(to: .float32) - delta).converted(to: weight.dtype) }
        isMerged = false
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

/// Adding LoRA adapters to a model.
public enum LoRA {
    /// Replaces every Linear whose key ends in one of `targets` (e.g. ["q_proj", "v_proj"]) by a
    /// `LoRALinear`, and freezes every other parameter of `model`. Returns the adapted keys.
    @discardableResult
    public static func apply(to model: Module, targets: [String], rank: Int, alpha: Float, dropout: Float = 0,
                             initializer: inout RandomGenerator) throws(NNError) -> [String] {
        try model.freeze()
        var adapted: [String] = []
        for (key, module) in model.namedModules() {
            guard let linear = module as? Linear, !(module is LoRALinear),
                  targets.contains(where: { key == $0 || key.hasSuffix("." + $0) }) else { continue }
            try model.replaceModule(at: key, with: LoRALinear(base: linear, rank: rank, alpha: alpha,
                                                              dropout: dropout, initializer: &initializer))
            adapted.append(key)
        }
        guard !adapted.isEmpty else { throw .unknownModule(key: targets.joined(separator: ", ")) }
        return adapted
    }

    /// Merges every adapter of `model` into its base weights.
    public static func merge(_ model: Module) {
        for case let (_, layer as LoRALinear) in model.namedModules() { layer.merge() }
    }

    /// Takes every merged adapter of `model` back out of its base weights.
    public static func unmerge(_ model: Module) {
        for case let (_, layer as LoRALinear) in model.namedModules() { layer.unmerge() }
    }
}
