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
    public internal(set) var stepCount = 0
    var firstMoments: [String: Tensor] = [:]
    var secondMoments: [String: Tensor] = [:]
    var parameterSteps: [String: Int] = [:]

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

extension AdamW {
    /// Everything a resumed run needs to continue bit for bit: the moments (keyed `exp_avg.KEY`,
    /// `exp_avg_sq.KEY`, as float32 tensors) and the step counters.
    public struct State {
        public var tensors: [String: Tensor]
        public var stepCount: Int
        public var parameterSteps: [String: Int]

        public init(tensors: [String: Tensor], stepCount: Int, parameterSteps: [String: Int]) {
            self.tensors = tensors
            self.stepCount = stepCount
            self.parameterSteps = parameterSteps
        }
    }

    /// A copy of the optimizer's state.
    public func state() -> State {
        var tensors: [String: Tensor] = [:]
        for (key, value) in firstMoments { tensors["exp_avg.\(key)"] = value }
        for (key, value) in secondMoments { tensors["exp_avg_sq.\(key)"] = value }
        return State(tensors: tensors, stepCount: stepCount, parameterSteps: parameterSteps)
    }

    /// Replaces the optimizer's state with `state` (as ``state()`` returned it). Every parameter with a step
    /// count needs both moments; anything else is an error naming the key.
    public func restore(_ state: State) throws(NNError) {
        var first: [String: Tensor] = [:]
        var second: [String: Tensor] = [:]
        for (name, tensor) in state.tensors {
            if name.hasPrefix("exp_avg_sq.") {
                second[String(name.dropFirst("exp_avg_sq.".count))] = tensor.converted(to: .float32)
            } else if name.hasPrefix("exp_avg.") {
                first[String(name.dropFirst("exp_avg.".count))] = tensor.converted(to: .float32)
            } else {
                throw .unusedKeys([name])
            }
        }
        let expected = Set(state.parameterSteps.keys)
        let missing = expected.subtracting(first.keys).union(expected.subtracting(second.keys))
        guard missing.isEmpty else { throw .missingKeys(missing.sorted().map { "exp_avg(_sq).\($0)" }) }
        let unknown = Set(first.keys).union(second.keys).subtracting(expected)
        guard unknown.isEmpty else { throw .unusedKeys(unknown.sorted()) }
        firstMoments = first
        secondMoments = second
        parameterSteps = state.parameterSteps
        stepCount = state.stepCount
    }
}

