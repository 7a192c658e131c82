// Flow-GRPO for the VDM (paper Eq. 2 with t over denoising transitions), as flow_grpo's `train_wan2_1.py` computes
// one trained step: ratio of the step's Gaussian log-probs (the SDE step of `Wan/Sampling/FlowGRPOStep`), the
// clipped surrogate with advantages clamped to ±5, and the closed-form KL to the reference policy's mean,
// ‖μ_θ − μ_ref‖² / (2σ_t²(−Δσ)) averaged over elements (../shared/reference/grpo.md). Checked against a port of
// that formula on fixtures (scripts/fixtures/grpo_losses.py).
import Foundation
import Tensor
import Wan

/// The VDM's Flow-GRPO objective for one trained denoising step.
public struct FlowGRPOLoss: Sendable, Equatable {
    /// Clip range of the ratio (1e-3).
    public var clipRange: Float
    /// KL weight β (0.004).
    public var beta: Float
    /// Advantages are clamped to ±this (flow_grpo's `adv_clip_max`).
    public var advantageClip: Float
    /// Multiply the policy term by σ_t/sqrt(−Δσ), as one stored flow_grpo version does (off by default).
    public var scalePolicyByNoise: Bool

    public init(clipRange: Float = 1e-3, beta: Float = 0.004, advantageClip: Float = 5, scalePolicyByNoise: Bool = false) {
        self.clipRange = clipRange
        self.beta = beta
        self.advantageClip = advantageClip
        self.scalePolicyByNoise = scalePolicyByNoise
    }

    /// One step's loss and what to log.
    public struct Output {
        public var loss: Tensor
        public var policyLoss: Float
        public var kl: Float
        /// Fraction of samples with |ratio − 1| > clip range.
        public var clipFraction: Float
        /// ½·mean((logp − logp_old)²).
        public var approximateKL: Float
    }

    /// The loss of the step from `sample` (x_k, [B, …]) to the rolled-out `next` (x_{k+1}) given the policy's
    /// `velocity` (with gradient), the rollout's `oldLogProbabilities` [B], the reference policy's velocity
    /// `referenceVelocity` (no gradient; nil when β = 0) and per-sample `advantages` [B].
    public func callAsFunction(velocity: Tensor, referenceVelocity: Tensor?, sample: Tensor, next: Tensor,
                               schedule: FlowMatchSchedule, index: Int, oldLogProbabilities: Tensor, advantages: Tensor,
                               noiseLevel: FlowGRPONoiseLevel = .wan) throws -> Output {
        let batch = sample.shape[0]
        guard oldLogProbabilities.shape == [batch], advantages.shape == [batch] else {
            throw TrainingError.data("Flow-GRPO old log-probs \(oldLogProbabilities.shape) / advantages \(advantages.shape) must be [\(batch)]")
        }
        let step = try FlowGRPOStep.step(velocity: velocity, sample: sample, schedule: schedule, index: index, given: next,
                                         noiseLevel: noiseLevel)
        let clampedAdvantages = advantages.converted(to: .float32).clamped(min: -advantageClip, max: advantageClip)
        let ratio = (step.logProbability - oldLogProbabilities.converted(to: .float32)).exp()
        let unclipped = -clampedAdvantages * ratio
        let clipped = -clampedAdvantages * ratio.clamped(min: 1 - clipRange, max: 1 + clipRange)
        var policy = unclipped.maximum(clipped).mean()
        let deltaRoot = (schedule.sigmas[index] - schedule.sigmas[index + 1]).squareRoot()
        if scalePolicyByNoise { policy = policy * (step.standardDeviation / deltaRoot / deltaRoot) }
        var loss = policy
        var kl: Float = 0
        if beta != 0 {
            guard let referenceVelocity else { throw TrainingError.data("Flow-GRPO with β ≠ 0 needs the reference velocity") }
            let reference = try Autograd.withoutGradient {
                try FlowGRPOStep.step(velocity: referenceVelocity, sample: sample, schedule: schedule, index: index, given: next,
                                      noiseLevel: noiseLevel)
            }
            // std_dev_t·sqrt(−Δσ) is the step's standard deviation, so the denominator is 2σ_t²(−Δσ).
            let klTerm = (step.mean - reference.mean.detached()).square().mean() / (2 * step.standardDeviation * step.standardDeviation)
            kl = Autograd.withoutGradient { klTerm.item }
            loss = loss + klTerm * beta
        }
        let logDifference = Autograd.withoutGradient { step.logProbability - oldLogProbabilities.converted(to: .float32) }
        let approximateKL = Autograd.withoutGradient { logDifference.square().mean().item * 0.5 }
        let clipFraction = Autograd.withoutGradient {
            (ratio.detached() - 1).abs().greater(Tensor(scalar: clipRange)).converted(to: .float32).mean().item
        }
        return Output(loss: loss, policyLoss: Autograd.withoutGradient { policy.item }, kl: kl, clipFraction: clipFraction,
                      approximateKL: approximateKL)
    }
}
