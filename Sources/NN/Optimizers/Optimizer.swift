// Optimizers over a module's trainable parameters, keyed by checkpoint name. State (moments,
// momentum buffers) is kept per key, so it survives as long as the keys do.
import Tensor

/// Something that turns gradients into parameter updates.
public protocol Optimizer: AnyObject {
    /// Optimizer steps taken so far (the schedule's step index for the next one).
    var stepCount: Int { get }
    /// New values for `parameters` given `gradients` (keys without a gradient are left out).
    func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor]
}

extension Optimizer {
    /// Applies one step to `model`'s trainable parameters. Every gradient key must name a
    /// trainable parameter of the same shape.
    public func update(_ model: Module, gradients: [String: Tensor]) throws(NNError) {
        let parameters = model.trainableParameters()
        let unknown = gradients.keys.filter { parameters[$0] == nil }.sorted()
        guard unknown.isEmpty else { throw .unusedKeys(unknown) }
        for (key, gradient) in gradients where gradient.shape != parameters[key]!.shape {
            throw .shapeMismatch(key: key, expected: parameters[key]!.shape, found: gradient.shape)
        }
        let updated = Autograd.withoutGradient { step(parameters: parameters, gradients: gradients) }
        try model.update(parameters: updated)
    }
}

/// The loop every optimizer's `step` shares: `update` sees each parameter that has a gradient, both
/// in float32, and its result is cast back to the parameter's dtype. Keys without a gradient are left out.
func updatingEachParameter(
    _ parameters: [String: Tensor], gradients: [String: Tensor],
    _ update: (_ key: String, _ value: Tensor, _ gradient: Tensor) -> Tensor
) -> [String: Tensor] {
    var updated: [String: Tensor] = [:]
    for (key, parameter) in parameters {
        guard let gradient = gradients[key]?.converted(to: .float32) else { continue }
        updated[key] = update(key, parameter.converted(to: .float32), gradient).converted(to: parameter.dtype)
    }
    return updated
}

/// Gradient clipping by global norm and gradient computation for modules.
public enum Gradients {
    /// Scales `gradients` so their global 2-norm is at most `maximumNorm`, as
    /// torch.nn.utils.clip_grad_norm_ does (coefficient max/(norm+1e-6), clamped at 1, always applied).
    /// Returns the clipped gradients and the norm before clipping.
    public static func clippedByGlobalNorm(_ gradients: [String: Tensor], maximumNorm: Float) -> (gradients: [String: Tensor], norm: Float) {
        Autograd.withoutGradient {
            let keys = gradients.keys.sorted()
            guard !keys.isEmpty else { return (gradients, 0) }
            let norms = keys.map { gradients[$0]!.converted(to: .float32).square().sum().sqrt().item }
            let total = norms.map { $0 * $0 }.reduce(0, +).squareRoot()
            let coefficient = min(maximumNorm / (total + 1e-6), 1)
            return (gradients.mapValues { $0 * coefficient }, total)
        }
    }

    /// Evaluates `loss` with `model`'s trainable parameters as graph leaves and returns its value and
    /// the gradient for every trainable parameter, keyed like `Module.trainableParameters()`.
    /// Frozen parameters get no gradient; the model is left holding plain (detached) tensors.
    public static func valueAndGradient(of model: Module, _ loss: () throws -> Tensor) rethrows -> (value: Tensor, gradients: [String: Tensor]) {
        let slots = model.parameterSlots().filter { $0.slot.isTrainable }
        let originals = slots.map { $0.slot.tensor! }
        for (_, slot) in slots { slot.tensor = slot.tensor!.detached().requiringGradient() }
        defer { for ((_, slot), original) in zip(slots, originals) { slot.tensor = original.detached() } }
        let value = try loss()
        if value.requiresGradient { value.backward() }
        var gradients: [String: Tensor] = [:]
        for (key, slot) in slots { gradients[key] = slot.tensor!.gradient ?? Tensor.zeros(slot.tensor!.shape) }
        return (value.detached(), gradients)
    }
}
