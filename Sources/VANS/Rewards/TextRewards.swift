// The text rewards of Stage 1: the format reward r_f and ROUGE-L r_t1 (grpo.md decisions 7 and 8).
import CaptionMetrics

/// r_f: 1 when the output follows the reasoning/answer format exactly, else 0 (`AnswerFormat.parse`).
public struct FormatReward: RewardScoring {
    public let format: AnswerFormat
    public var name: String { "format" }

    public init(format: AnswerFormat = AnswerFormat()) { self.format = format }

    public func scores(_ group: RewardGroup) throws -> [Double] {
        group.samples.map { format.parse($0.completion).formatReward }
    }
}

/// r_t1: rouge-score's ROUGE-L F1 of the answer block against the ground-truth caption (stemmer off by default);
/// 0 when the output fails the format (decision 7).
public struct RougeLReward: RewardScoring {
    public let format: AnswerFormat
    public let scorer: RougeScorer
    public var name: String { "rouge_l" }

    public init(format: AnswerFormat = AnswerFormat(), scorer: RougeScorer = RougeScorer()) {
        self.format = format
        self.scorer = scorer
    }

    public func scores(_ group: RewardGroup) throws -> [Double] {
        group.samples.map { sample in
            let parsed = format.parse(sample.completion)
            guard parsed.followsFormat else { return 0 }
            return scorer.score(target: group.groundTruthCaption, prediction: parsed.answer).fmeasure
        }
    }
}
