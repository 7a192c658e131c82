// Token-level GRPO (paper Eq. 2 for the VLM), computed as TRL's `GRPOTrainer._compute_loss` does
// (trl/trainer/grpo_trainer.py): log-probs of the completion tokens under logits/τ, the ratio to the rollout's
// log-probs, the two-sided clipped surrogate, β·k3 against the reference policy, and one of TRL's reductions.
// Checked against TRL on fixtures (scripts/fixtures/grpo_losses.py).
import Tensor

/// How per-token losses become one number (TRL's `loss_type`).
public enum GRPOLossReduction: String, Sendable, Codable, CaseIterable {
    /// Per completion Σ_t/T_i, then the mean over completions: Eq. 2 literally (decision 2, the default).
    case grpo
    /// Σ over all tokens / number of tokens in the batch.
    case bnpo
    /// Σ / (completions · maximum completion length).
    case drGRPO = "dr_grpo"
    /// Σ / tokens in the whole generation batch (TRL's default).
    case dapo
}

/// The VLM's GRPO objective.
public struct TokenGRPOLoss: Sendable, Equatable {
    /// Lower and upper clip range of the ratio (ε; the paper's 1e-3, inert with one update per rollout).
    public var epsilonLow: Float
    public var epsilonHigh: Float
    /// KL weight β (0.004).
    public var beta: Float
    public var reduction: GRPOLossReduction
    /// Sampling temperature: log-probs are taken under logits/τ, as during the rollout.
    public var temperature: Float
    /// For `drGRPO`: the maximum completion length.
    public var maximumCompletionLength: Int

    public init(epsilonLow: Float = 1e-3, epsilonHigh: Float = 1e-3, beta: Float = 0.004, reduction: GRPOLossReduction = .grpo,
                temperature: Float = 1, maximumCompletionLength: Int = 512) {
        self.epsilonLow = epsilonLow
        self.epsilonHigh = epsilonHigh
        self.beta = beta
        self.reduction = reduction
        self.temperature = temperature
        self.maximumCompletionLength = maximumCompletionLength
    }

    /// One batch's inputs: B completions of T tokens (padded), with their rollout and reference log-probs.
    public struct Batch {
        /// Completion token ids [B, T] (int).
        public var completions: Tensor
        /// 1 for tokens in the completion (up to and including the first stop token), 0 after [B, T].
        public var mask: Tensor
        /// One advantage per completion [B].
        public var advantages: Tensor
        /// log π_θold of each token [B, T]; nil means on-policy (the current log-probs, detached).
        public var oldLogProbabilities: Tensor?
        /// log π_ref of each token [B, T]; needed when β ≠ 0.
        public var referenceLogProbabilities: Tensor?
        /// For `dapo`: tokens in the whole generation batch (default: this batch's).
        public var tokensInGenerationBatch: Float?

        public init(completions: Tensor, mask: Tensor, advantages: Tensor, oldLogProbabilities: Tensor? = nil,
                    referenceLogProbabilities: Tensor? = nil, tokensInGenerationBatch: Float? = nil) {
            self.completions = completions
            self.mask = mask
            self.advantages = advantages
            self.oldLogProbabilities = oldLogProbabilities
            self.referenceLogProbabilities = referenceLogProbabilities
            self.tokensInGenerationBatch = tokensInGenerationBatch
        }
    }

    /// The loss and what to log about it.
    public struct Output {
        public var loss: Tensor
        /// Masked mean of k3 over all tokens (0 when β = 0).
        public var meanKL: Float
        /// Fraction of tokens whose ratio was clipped where it matters (low with A < 0, high with A > 0).
        public var lowClipFraction: Float
        public var highClipFraction: Float
        /// The current policy's token log-probs [B, T] (detached), e.g. to store as the next old log-probs.
        public var logProbabilities: Tensor
    }

    /// The loss for `logits` [B, T, V] — the policy's logits at the positions that predict each completion token.
    public func callAsFunction(logits: Tensor, batch: Batch) throws -> Output {
        let shape = batch.completions.shape
        guard logits.rank == 3, Array(logits.shape.prefix(2)) == shape else {
            throw TrainingError.data("GRPO logits \(logits.shape) do not match completions \(shape)")
        }
        guard batch.mask.shape == shape, batch.advantages.shape == [shape[0]] else {
            throw TrainingError.data("GRPO mask \(batch.mask.shape) / advantages \(batch.advantages.shape) do not match completions \(shape)")
        }
        let scaled = temperature == 1 ? logits : logits / temperature
        return try self(logProbabilities: try Tensor.tokenLogProbabilities(logits: scaled, tokens: batch.completions), batch: batch)  // [B, T]
    }

    /// The same loss from the policy's token log-probabilities [B, T] under logits/τ (differentiable; entries past a
    /// completion's end are ignored), as `QwenVLScoring.logProbabilityTensor` gives them without materialising
    /// [B, T, V] logits.
    public func callAsFunction(logProbabilities: Tensor, batch: Batch) throws -> Output {
        let shape = batch.completions.shape
        guard logProbabilities.shape == shape else {
            throw TrainingError.data("GRPO log-probs \(logProbabilities.shape) do not match completions \(shape)")
        }
        guard batch.mask.shape == shape, batch.advantages.shape == [shape[0]] else {
            throw TrainingError.data("GRPO mask \(batch.mask.shape) / advantages \(batch.advantages.shape) do not match completions \(shape)")
        }
        let mask = batch.mask.converted(to: .float32)
        let old = batch.oldLogProbabilities ?? logProbabilities.detached()
        let ratio = (logProbabilities - old).exp()
        let clippedRatio = ratio.clamped(min: 1 - epsilonLow, max: 1 + epsilonHigh)
        let advantages = batch.advantages.converted(to: .float32).reshaped([shape[0], 1])
        var perToken = -(ratio * advantages).minimum(clippedRatio * advantages)
        var meanKL: Float = 0
        if beta != 0 {
            guard let reference = batch.referenceLogProbabilities, reference.shape == shape else {
                throw TrainingError.data("GRPO with β ≠ 0 needs reference log-probs of shape \(shape)")
            }
            let difference = reference - logProbabilities
            let kl = difference.exp() - difference - 1  // k3 ≥ 0
            perToken = perToken + kl * beta
            meanKL = Autograd.withoutGradient { (kl * mask).sum().item / Swift.max(mask.sum().item, 1) }
        }
        let masked = perToken * mask
        let loss: Tensor
        switch reduction {
        case .grpo:
            loss = (masked.sum(axis: 1) / mask.sum(axis: 1).clamped(min: 1)).mean()
        case .bnpo:
            loss = masked.sum() / Swift.max(Autograd.withoutGradient { mask.sum().item }, 1)
        case .drGRPO:
            loss = masked.sum() / Float(shape[0] * maximumCompletionLength)
        case .dapo:
            let tokens = batch.tokensInGenerationBatch ?? Autograd.withoutGradient { mask.sum().item }
            loss = masked.sum() / Swift.max(tokens, 1)
        }
        let (low, high) = Autograd.withoutGradient { () -> (Float, Float) in
            let tokens = Swift.max(mask.sum().item, 1)
            let negative = advantages.less(Tensor(scalar: 0)).converted(to: .float32)
            let positive = advantages.greater(Tensor(scalar: 0)).converted(to: .float32)
            let lowClipped = ratio.less(Tensor(scalar: 1 - epsilonLow)).converted(to: .float32) * negative
            let highClipped = ratio.greater(Tensor(scalar: 1 + epsilonHigh)).converted(to: .float32) * positive
            return ((lowClipped * mask).sum().item / tokens, (highClipped * mask).sum().item / tokens)
        }
        return Output(loss: loss, meanKL: meanKL, lowClipFraction: low, highClipFraction: high,
                      logProbabilities: logProbabilities.detached())
    }
}
