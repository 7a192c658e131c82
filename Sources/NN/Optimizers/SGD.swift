// Mirrors torch.optim.SGD (torch/optim/sgd.py, single-tensor path): L2 weight decay added to the
// gradient, heavy-ball momentum (buffer = gradient on the first step), optional dampening/Nesterov.
import Tensor

/// Stochastic gradient descent with momentum.
public final class SGD: Optimizer {
    public var learningRate: Double
    public var momentum: Double
    public var dampening: Double
    public var weightDecay: Double
    public var nesterov: Bool
    public var schedule: LearningRateSchedule
    public private(set) var stepCount = 0
    private var buffers: [String: Tensor] = [:]

    public init(learningRate: Double, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
                nesterov: Bool = false, schedule: LearningRateSchedule = .constant) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum needs momentum > 0 and no dampening")
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.schedule = schedule
    }

    public func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
        let rate = schedule.rate(atStep: stepCount, baseRate: learningRate)
        stepCount += 1
        return updatingEachParameter(parameters, gradients: gradients) { key, value, gradient in
            var direction = gradient
            if weightDecay != 0 { direction = direction + value * Float(weightDecay) }
            if momentum != 0 {
                let buffer = buffers[key].map { $0 * Float(momentum) + direction * Float(1 - dampening) } ?? direction
                buffers[key] = buffer
                direction = nesterov ? direction + buffer * Float(momentum) : buffer
            }
            return value - direction * Float(rate)
        }
    }
}
