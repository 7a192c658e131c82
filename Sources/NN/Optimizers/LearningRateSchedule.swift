// Mirrors transformers' optimization.py: get_constant_schedule(_with_warmup),
// get_linear_schedule_with_warmup and get_cosine_schedule_with_warmup (multipliers of the base rate).
import Foundation

/// A learning-rate schedule: the rate to use at a given optimizer step (0-based).
public enum LearningRateSchedule: Sendable, Equatable {
    /// The base rate at every step.
    case constant
    /// Linear ramp 0 → 1 over `warmupSteps`, then constant.
    case constantWithWarmup(warmupSteps: Int)
    /// Linear ramp up over `warmupSteps`, then linear decay to 0 at `totalSteps`.
    case linear(warmupSteps: Int, totalSteps: Int)
    /// Linear ramp up, then cosine decay; `cycles` 0.5 decays from 1 to 0 once at `totalSteps`.
    case cosine(warmupSteps: Int, totalSteps: Int, cycles: Double = 0.5)

    /// The multiplier of the base rate at `step`, exactly as transformers' LambdaLR lambdas compute it.
    public func multiplier(atStep step: Int) -> Double {
        func warmup(_ steps: Int) -> Double? {
            step < steps ? Double(step) / Double(max(1, steps)) : nil
        }
        switch self {
        case .constant:
            return 1
        case .constantWithWarmup(let warmupSteps):
            return warmup(warmupSteps) ?? 1
        case .linear(let warmupSteps, let totalSteps):
            if let ramp = warmup(warmupSteps) { return ramp }
            return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
        case .cosine(let warmupSteps, let totalSteps, let cycles):
            if let ramp = warmup(warmupSteps) { return ramp }
            let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
            return max(0, 0.5 * (1 + cos(Double.pi * cycles * 2 * progress)))
        }
    }

    /// The learning rate at `step` for a base rate of `baseRate`.
    public func rate(atStep step: Int, baseRate: Double) -> Double {
        baseRate * multiplier(atStep: step)
    }
}
