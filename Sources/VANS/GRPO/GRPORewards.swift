// The reward of each phase (paper §4.2: r₁ = λ_f r_f + λ_t1 ROUGE-L + λ_v1 CLIP-V; r₂ = λ_v2 CLIP-V + λ_c2 CLIPScore),
// built from the Rewards components and combined as decision 6 says (z-score each within the group, sum with λ).
// The all-in-one row scores each video against its own caption, so it needs a per-sample CLIPScore.
import CaptionMetrics
import VideoMetrics

/// r_c for groups whose samples were rendered from different captions: each video against its own caption.
public struct PerSampleCaptionScore: RewardScoring {
    public let embedder: any VideoEmbedding
    /// One caption per sample, in the group's order.
    public let captions: [String]
    public var name: String { "clipscore" }

    public init(embedder: any VideoEmbedding, captions: [String]) {
        self.embedder = embedder
        self.captions = captions
    }

    public func scores(_ group: RewardGroup) throws -> [Double] {
        guard captions.count == group.samples.count else {
            throw RewardError.wrongCount(reward: name, expected: group.samples.count, found: captions.count)
        }
        let rendered = group.samples.indices.filter { !(group.samples[$0].video ?? []).isEmpty }
        guard !rendered.isEmpty else { return group.samples.map { _ in 0 } }
        let frames = try embedder.frameEmbeddings(rendered.map { group.samples[$0].video! })
        let texts = try embedder.textEmbeddings(rendered.map { captions[$0] })
        guard frames.count == rendered.count, texts.count == rendered.count else {
            throw RewardError.wrongCount(reward: name, expected: rendered.count, found: min(frames.count, texts.count))
        }
        var values = group.samples.map { _ in 0.0 }
        for (position, index) in rendered.enumerated() {
            values[index] = try CLIPSimilarity.textSimilarity(frames: frames[position], text: texts[position], form: .cosine)
        }
        return values
    }
}

/// r_t1 without decision 7's gate: ROUGE-L of the parsed answer (the whole output when the format fails).
public struct UngatedRougeLReward: RewardScoring {
    public let format: AnswerFormat
    public let scorer: RougeScorer
    public var name: String { "rouge_l" }

    public init(format: AnswerFormat = AnswerFormat(), scorer: RougeScorer = RougeScorer()) {
        self.format = format
        self.scorer = scorer
    }

    public func scores(_ group: RewardGroup) throws -> [Double] {
        group.samples.map { scorer.score(target: group.groundTruthCaption, prediction: format.parse($0.completion).answer).fmeasure }
    }
}

/// The paper's name of each reward component in a phase's logs (Figure 9's panel titles).
enum GRPORewardNames {
    /// `r_f`, `r_t1`, `r_v1`/`r_v2`, `r_c2`: the stage-2 names when the phase trains only the VDM.
    static func logName(_ component: GRPORewardComponent, phase: GRPOPhase) -> String {
        switch component {
        case .format: return "r_f"
        case .rouge: return "r_t1"
        case .videoSimilarity: return phase.trains == .vdm ? "r_v2" : "r_v1"
        case .captionScore: return "r_c2"
        }
    }

    /// The Rewards component's own name (`RewardScoring.name`).
    static func componentName(_ component: GRPORewardComponent, phase: GRPOPhase) -> String {
        switch component {
        case .format: return "format"
        case .rouge: return "rouge_l"
        case .videoSimilarity: return logName(component, phase: phase)
        case .captionScore: return "clipscore"
        }
    }
}

extension GRPOPhase {
    /// The combination for one group: the phase's components with their λ. `captions` gives each sample's own caption
    /// for r_c when the group's videos come from different captions (all-in-one); otherwise r_c reads the group's
    /// anchor caption.
    func rewardCombination(embedder: (any VideoEmbedding)?, format: AnswerFormat, captions: [String]?, epsilon: Double,
                           formatGate: Bool = true) throws -> RewardCombination {
        var components: [WeightedReward] = []
        for component in GRPORewardComponent.allCases {
            guard let weight = weight(component) else { continue }
            if component.needsVideo, embedder == nil {
                throw TrainingError.invalidOption(name: "clip", reason: "the \(name) phase's \(component.rawValue) reward needs a CLIP model")
            }
            switch component {
            case .format: components.append(WeightedReward(FormatReward(format: format), weight: weight))
            case .rouge:
                let reward: any RewardScoring = formatGate ? RougeLReward(format: format) : UngatedRougeLReward(format: format)
                components.append(WeightedReward(reward, weight: weight))
            case .videoSimilarity:
                components.append(WeightedReward(VideoSimilarityReward(embedder: embedder!, name: GRPORewardNames.logName(component, phase: self)),
                                                 weight: weight))
            case .captionScore:
                let reward: any RewardScoring = captions.map { PerSampleCaptionScore(embedder: embedder!, captions: $0) }
                    ?? CLIPScoreReward(embedder: embedder!)
                components.append(WeightedReward(reward, weight: weight))
            }
        }
        return RewardCombination(components, epsilon: epsilon)
    }
}
