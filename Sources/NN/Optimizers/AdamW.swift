// Mirrors torch.optim.AdamW (torch/optim/adamw.py, single-tensor path): decoupled weight decay,
// bias-corrected moments, scalars computed in double and applied in float32.
import Foundation
import Tensor

/// Adam with decoupled weight decay.
public final class AdamW: Optimizer {
    public var learningRate: Double
    public var betas: (Double, Double)
    public var epsilon: Double
    public var weightDecay: Double
    /// Multiplies `learningRate` at each step (transformers' LambdaLR semantics: step 0 uses multiplier(0)).
    public var schedule: LearningRateSchedule
    public private(set) var stepCount = 0
    private var firstMoments: [String: Tensor] = [:]
    private var secondMoments: [String: Tensor] = [:]
    private var parameterSteps: [String: Int] = [:]

    public init(learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), epsilon: Double = 1e-8,
                weightDecay: Double = 0.01, schedule: LearningRateSchedule = .constant) {
        self.learningRate = learningRate
        self.betas = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.schedule = schedule
    }

    public func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
        let rate = schedule.rate(atStep: stepCount, baseRate: learningRate)
        stepCount += 1
        return updatingEachParameter(parameters, gradients: gradients) { key, value, gradient in
            let step = (parameterSteps[key] ?? 0) + 1
            parameterSteps[key] = step
            let first = firstMoments[key] ?? Tensor.zeros(value.shape)
            let second = secondMoments[key] ?? Tensor.zeros(value.shape)
            // exp_avg.lerp_(grad, 1 − β₁) with weight < 0.5: m + w·(g − m).
            let newFirst = first + (gradient - first) * Float(1 - betas.0)
            let newSecond = second * Float(betas.1) + gradient * gradient * Float(1 - betas.1)
            firstMoments[key] = newFirst
            secondMoments[key] = newSecond
            let decayed = value * Float(1 - rate * weightDecay)
            let correction1 = 1 - Foundation.pow(betas.0, Double(step))
            let correction2Root = (1 - Foundation.pow(betas.1, Double(step))).squareRoot()
            let denominator = newSecond.sqrt() / Float(correction2Root) + Float(epsilon)
            return decayed - (newFirst / denominator) * Float(rate / correction1)
        }
    }
}
