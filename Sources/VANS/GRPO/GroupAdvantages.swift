// Eq. 1 of the paper, Ã_i = (r_i − r̄)/σ_r, with the choices the reference implementations make where the paper is
// silent (../shared/reference/grpo.md, decision 1): population or Bessel σ, an ε in the denominator, groups whose
// rewards are all equal masked out (their advantages are 0 and they carry no signal).

/// Group-normalised advantages.
public struct GroupAdvantages: Sendable, Equatable {
    /// How the spread of a group is measured.
    public enum Deviation: String, Sendable, Codable, CaseIterable {
        /// 1/G, as Eq. 1 and flow_grpo's `np.std`.
        case population
        /// 1/(G−1), as TRL, EasyR1, Video-R1, DanceGRPO.
        case bessel
        /// No division (Dr. GRPO, TRL's `scale_rewards="none"`).
        case none
    }

    public var deviation: Deviation
    /// Added to σ (decision 1: 1e-4, as flow_grpo and TRL).
    public var epsilon: Double
    /// Advantages are clamped to ±clip (flow_grpo's `adv_clip_max` = 5); nil leaves them as they are.
    public var clip: Double?

    public init(deviation: Deviation = .population, epsilon: Double = 1e-4, clip: Double? = nil) {
        self.deviation = deviation
        self.epsilon = epsilon
        self.clip = clip
    }

    /// The advantages of one group's rewards, and whether the group carries any signal (not all rewards equal).
    public func callAsFunction(_ rewards: [Double]) -> (advantages: [Double], informative: Bool) {
        guard !rewards.isEmpty else { return ([], false) }
        let count = Double(rewards.count)
        let mean = rewards.reduce(0, +) / count
        let squares = rewards.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        let informative = rewards.contains { $0 != rewards[0] }
        guard informative else { return (rewards.map { _ in 0 }, false) }
        let scale: Double
        switch deviation {
        case .population: scale = (squares / count).squareRoot() + epsilon
        case .bessel: scale = rewards.count > 1 ? (squares / (count - 1)).squareRoot() + epsilon : 1
        case .none: scale = 1
        }
        return (rewards.map { value in
            let advantage = (value - mean) / scale
            guard let clip else { return advantage }
            return Swift.min(Swift.max(advantage, -clip), clip)
        }, true)
    }
}
