// The "normalised rewards" of Joint-GRPO (grpo.md decision 6): each component z-scored within the group with the
// population standard deviation plus ε = 1e-4 (flow_grpo's `stat_tracking.py`), then summed with weights λ.
// Eq. 1's group advantage is then taken of this sum by the trainer.
import VideoMetrics

/// A reward component and its weight λ.
public struct WeightedReward {
    public var reward: any RewardScoring
    public var weight: Double

    public init(_ reward: any RewardScoring, weight: Double = 1) {
        self.reward = reward
        self.weight = weight
    }
}

/// Every component's raw and normalised values, and the weighted sum, for one group.
public struct GroupRewards: Sendable, Equatable {
    /// Component name → raw per-sample values.
    public var raw: [String: [Double]]
    /// Component name → per-sample z-scores within the group.
    public var normalized: [String: [Double]]
    /// Σ_k λ_k · z_k per sample.
    public var total: [Double]
}

/// Scores a group with several components and combines them.
public struct RewardCombination {
    public var components: [WeightedReward]
    /// Added to the standard deviation (so equal values give 0, not NaN).
    public var epsilon: Double

    public init(_ components: [WeightedReward], epsilon: Double = 1e-4) {
        self.components = components
        self.epsilon = epsilon
    }

    /// Stage 1 (VLM tuning): λ_f·r_f + λ_t1·ROUGE-L + λ_v1·CLIP-V, all λ = 1 by default.
    public static func stageOne(embedder: any VideoEmbedding, format: AnswerFormat = AnswerFormat(),
                                weights: (format: Double, rouge: Double, video: Double) = (1, 1, 1)) -> RewardCombination {
        RewardCombination([
            WeightedReward(FormatReward(format: format), weight: weights.format),
            WeightedReward(RougeLReward(format: format), weight: weights.rouge),
            WeightedReward(VideoSimilarityReward(embedder: embedder, name: "r_v1"), weight: weights.video),
        ])
    }

    /// Stage 2 (VDM tuning): λ_v2·CLIP-V + λ_c2·CLIPScore (raw cosine), λ = 1 by default; both read the videos'
    /// embeddings from one pass (`ReusedEmbeddings`).
    public static func stageTwo(embedder: any VideoEmbedding, weights: (video: Double, caption: Double) = (1, 1)) -> RewardCombination {
        let shared = ReusedEmbeddings(embedder)
        return RewardCombination([
            WeightedReward(VideoSimilarityReward(embedder: shared, name: "r_v2"), weight: weights.video),
            WeightedReward(CLIPScoreReward(embedder: shared), weight: weights.caption),
        ])
    }

    /// (r − mean) / (σ + ε) with σ the population standard deviation (1/G), per value.
    public static func zScores(_ values: [Double], epsilon: Double) -> [Double] {
        guard !values.isEmpty else { return [] }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        let scale = variance.squareRoot() + epsilon
        return values.map { ($0 - mean) / scale }
    }

    /// Scores `group` with every component, z-scores each within the group and sums them with their weights.
    public func evaluate(_ group: RewardGroup) throws -> GroupRewards {
        let count = group.samples.count
        var raw: [String: [Double]] = [:]
        var normalized: [String: [Double]] = [:]
        var total = [Double](repeating: 0, count: count)
        for component in components {
            let name = component.reward.name
            guard raw[name] == nil else { throw RewardError.missingInput(reward: name, reason: "two components share this name") }
            let values = try component.reward.scores(group)
            guard values.count == count else { throw RewardError.wrongCount(reward: name, expected: count, found: values.count) }
            let scores = Self.zScores(values, epsilon: epsilon)
            raw[name] = values
            normalized[name] = scores
            for index in 0 ..< count { total[index] += component.weight * scores[index] }
        }
        return GroupRewards(raw: raw, normalized: normalized, total: total)
    }
}
