// Table 2's evaluation: each ablation row's (VLM, VDM) pair evaluated as the VANS row of Table 1 (reasoning,
// caption, answer video with reference frames) on the same evaluation samples, so rows differ only in weights.
import Foundation
import Support

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

    /// Category → metric name (as Table 2 prints it) → the statistic on all samples. A row already evaluated with the
    /// same models, data and settings (`metrics.json` beside its records) is read back, so a study stopped during its
    /// evaluation, or rerun with more seeds, evaluates only what it has not.
    public func evaluate(_ models: AblationRowModels, seed: UInt64) throws -> [String: [String: Double]] {
        var settings = self.settings
        settings.seed = seed
        let directory = output.appendingPathComponent("\(models.row)/seed-\(seed)")
        let key = AblationEvaluationKey(row: models.row, vlm: models.vlm.standardizedFileURL.path, vdm: models.vdm.standardizedFileURL.path,
                                        data: data.standardizedFileURL.path, settings: settings, metricNetworks: metrics.description)
        let cache = directory.appendingPathComponent(Self.cacheName)
        if let stored = try? JSONDecoder().decode(AblationEvaluationResult.self, from: Data(contentsOf: cache)), stored.key == key {
            return stored.metrics
        }
        let metrics = try evaluateAfresh(models, settings: settings, directory: directory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(AblationEvaluationResult(key: key, metrics: metrics)), to: cache)
        return metrics
    }

    /// The file holding a row's metrics and what they were computed from.
    public static let cacheName = "metrics.json"

    private func evaluateAfresh(_ models: AblationRowModels, settings: EvaluationSettings, directory: URL) throws -> [String: [String: Double]] {
        var settings = settings
        let reasoner = try QwenVLReasoner(directory: models.vlm)
        settings.maximumTokens = reasoner.profile.maximumNewTokens
        let evaluation = try TableEvaluation(settings: settings, rows: [.vans], reasoners: [.sft: reasoner],
                                             renderers: [.sft: try WanAnswerRenderer(directory: models.vdm)], metrics: metrics)
        let table = try evaluation.run(data: data, output: directory)
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

/// What a row's evaluation was computed from: its models, the evaluation split, the settings (seed included) and the
/// metric networks, by path and name.
public struct AblationEvaluationKey: Sendable, Codable, Equatable {
    public var row: String
    public var vlm: String
    public var vdm: String
    public var data: String
    public var settings: EvaluationSettings
    public var metricNetworks: String
}

/// A row's stored evaluation (`metrics.json`).
public struct AblationEvaluationResult: Sendable, Codable, Equatable {
    public var key: AblationEvaluationKey
    /// Category → metric → value.
    public var metrics: [String: [String: Double]]
}
