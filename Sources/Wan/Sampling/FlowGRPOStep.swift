// The Flow-GRPO SDE step (yifan123/flow_grpo `wan_pipeline_with_logprob.py` `sde_step_with_logprob`;
// ../shared/reference/grpo.md): the Euler–Maruyama step of the SDE with the flow ODE's marginals, and the
// Gaussian log-probability of the sample it reaches, averaged over elements. Differentiable in the velocity.
import Foundation
import Tensor

/// The noise level σ_t of the SDE step as a function of σ.
public enum FlowGRPONoiseLevel: Sendable, Equatable {
    /// flow_grpo's Wan variant: σ_t = σ_min + (σ_max − σ_min)·σ with σ_max = sigmas[1], σ_min = sigmas[N] = 0.
    case wan
    /// flow_grpo's SD3 variant: σ_t = a·sqrt(σ / (1 − σ)), σ = 1 replaced by sigmas[1].
    case sd3(Float)
    /// DanceGRPO: a constant η.
    case constant(Float)
}

/// One SDE step's result.
public struct FlowGRPOStepResult {
    /// x_{k+1} [B, …].
    public var sample: Tensor
    /// log p(x_{k+1} | x_k) averaged over all but the batch axis, [B].
    public var logProbability: Tensor
    /// The step's mean μ [B, …].
    public var mean: Tensor
    /// Its standard deviation σ_t·sqrt(−Δσ).
    public var standardDeviation: Float
}

public enum FlowGRPOStep {
    /// The SDE step from `sample` at schedule step `index` with velocity `velocity` (both [B, …]).
    ///
    /// - `noise`: the ε of x' = μ + σ_t·sqrt(−Δσ)·ε (injected, or drawn from a seeded `RandomGenerator`).
    /// - `given`: an already sampled x' whose log-probability is wanted (training recomputes old steps);
    ///   exclusive with `noise`.
    /// - `deterministic`: take the ODE step x + Δσ·v instead (evaluation), still reporting its log-probability.
    public static func step(velocity: Tensor, sample: Tensor, schedule: FlowMatchSchedule, index: Int,
                            noise: Tensor? = nil, given: Tensor? = nil, deterministic: Bool = false,
                            noiseLevel: FlowGRPONoiseLevel = .wan) throws(WanError) -> FlowGRPOStepResult {
        guard index >= 0, index < schedule.steps, schedule.sigmas.count > 1 else {
            throw .invalidInput(name: "index", reason: "\(index) is outside the \(schedule.steps)-step schedule")
        }
        guard velocity.shape == sample.shape, sample.rank >= 1 else {
            throw .invalidInput(name: "velocity", reason: "shape \(velocity.shape) differs from the sample's \(sample.shape)")
        }
        guard (noise == nil) != (given == nil) || (deterministic && given == nil) else {
            throw .invalidInput(name: "noise", reason: "give exactly one of noise and the sampled step (or neither with deterministic)")
        }
        for (name, tensor) in [("noise", noise), ("given", given)] {
            if let tensor, tensor.shape != sample.shape {
                throw .invalidInput(name: name, reason: "shape \(tensor.shape) differs from the sample's \(sample.shape)")
            }
        }
        let sigma = schedule.sigmas[index], sigmaNext = schedule.sigmas[index + 1]
        let delta = sigmaNext - sigma
        let noiseScale: Float
        switch noiseLevel {
        case .wan:
            let sigmaMax = schedule.sigmas[1], sigmaMin = schedule.sigmas[schedule.sigmas.count - 1]
            noiseScale = sigmaMin + (sigmaMax - sigmaMin) * sigma
        case .sd3(let a):
            let s = sigma == 1 ? schedule.sigmas[1] : sigma
            noiseScale = (sigma / (1 - s)).squareRoot() * a
        case .constant(let eta):
            noiseScale = eta
        }
        let x = sample.converted(to: .float32), v = velocity.converted(to: .float32)
        // μ = x·(1 + σ_t²/(2σ)·Δσ) + v·(1 + σ_t²(1−σ)/(2σ))·Δσ, with flow_grpo's float32 association.
        let variance = noiseScale * noiseScale
        let mean = x * (1 + variance / (2 * sigma) * delta) + v * ((1 + variance * (1 - sigma) / (2 * sigma)) * delta)
        let deviation = noiseScale * (-delta).squareRoot()
        var next: Tensor
        if deterministic {
            next = x + v * delta
        } else if let given {
            next = given.converted(to: .float32)
        } else {
            next = mean + noise!.converted(to: .float32) * deviation
        }
        next = next.detached()
        let squared = (next - mean).square()
        let elementLogProbability = squared * (-1 / (2 * deviation * deviation)) - (Foundation.log(deviation) + 0.5 * Foundation.log(2 * Float.pi))
        let axes = Array(1..<sample.rank)
        let logProbability = axes.isEmpty ? elementLogProbability : elementLogProbability.mean(axes: axes)
        return FlowGRPOStepResult(sample: next, logProbability: logProbability, mean: mean, standardDeviation: deviation)
    }
}

extension FlowGRPOStep {
    /// The SDE step with ε drawn from `generator` (reproducible rollouts).
    public static func step(velocity: Tensor, sample: Tensor, schedule: FlowMatchSchedule, index: Int,
                            generator: inout RandomGenerator, noiseLevel: FlowGRPONoiseLevel = .wan) throws(WanError) -> FlowGRPOStepResult {
        try step(velocity: velocity, sample: sample, schedule: schedule, index: index, noise: generator.normal(sample.shape),
                 noiseLevel: noiseLevel)
    }
}
