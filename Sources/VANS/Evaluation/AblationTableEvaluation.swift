// Table 2's evaluation: each ablation row's (VLM, VDM) pair evaluated as the VANS row of Table 1 (reasoning,
// caption, answer video with reference frames) on the same evaluation samples, so rows differ only in weights.
import Foundation

/// Evaluates ablation rows with ``TableEvaluation`` (the `vans` row: both stages, n reference frames).
public struct AblationTableEvaluation: AblationEvaluation {
    /// The evaluation split (a directory with manifest.jsonl).
    public let data: URL
    /// Where each row's videos and samples.jsonl go (`output/<row>/seed-<s>/`).
    public let output: URL
    public let settings: EvaluationSettings
    public let metrics: EvaluationMetricNetworks

    public var recordsDirectory: URL? { output }

    public init(data: URL, output: URL, settings: EvaluationSettings, metrics: EvaluationMetricNetworks) {
        self.data = data
        self.output = output
        self.settings = settings
        self.metrics = metrics
    }

    /// Category → metric name (as Table 2 prints it) → the statistic on all samples.
    public func evaluate(_ models: AblationRowModels, seed: UInt64) throws -> [String: [String: Double]] {
        var settings = self.settings
        settings.seed = seed
        let reasoner = try QwenVLReasoner(directory: models.vlm)
        settings.maximumTokens = reasoner.profile.maximumNewTokens
        let evaluation = try TableEvaluation(settings: settings, rows: [.vans], reasoners: [.sft: reasoner],
                                             renderers: [.sft: try WanAnswerRenderer(directory: models.vdm)], metrics: metrics)
        let table = try evaluation.run(data: data, output: output.appendingPathComponent("\(models.row)/seed-\(seed)"))
        var result: [String: [String: Double]] = [:]
        for row in table.rows {
            for (category, scores) in row.categories {
                result[category] = Self.values(of: scores)
            }
        }
        return result
    }

    /// The metrics present in `scores`, by their Table 2 names.
    static func values(of scores: CategoryScores) -> [String: Double] {
        let named: [(String, ConfidenceInterval?)] = [
            ("BLEU@1", scores.bleu1), ("BLEU@2", scores.bleu2), ("BLEU@3", scores.bleu3), ("BLEU@4", scores.bleu4),
            ("ROUGE-L", scores.rougeL), ("FVD", scores.fvd), ("CLIP-V", scores.clipV), ("CLIP-T", scores.clipT),
            ("motion", scores.motion),
        ]
        var values: [String: Double] = [:]
        for (name, interval) in named {
            if let interval { values[name] = interval.value }
        }
        return values
    }
}
