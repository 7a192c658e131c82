// Table 1's numbers from per-sample results: corpus BLEU@1–4 (COCO: n-gram counts pooled over the samples) and
// COCO ROUGE-L (mean of per-sample values) of the caption against the ground truth, FVD between the generated and
// ground-truth answer videos' I3D features, and mean CLIP-V / CLIP-T — each with a seeded bootstrap 95 % interval
// over samples (BLEU and FVD recomputed from the resampled counts/features, not averaged).
import Foundation
import CaptionMetrics
import VideoMetrics

/// What one (row, sample) contributes to the table.
public struct SampleMeasurements: Sendable {
    /// BLEU counts of the PTB-normalised caption against the references (nil for rows without a caption).
    public var bleu: BleuStatistics?
    public var rougeL: Double?
    public var clipV: Double?
    public var clipT: Double?
    /// I3D features of the generated and the ground-truth answer video.
    public var generatedFeatures: [Float]?
    public var referenceFeatures: [Float]?
    /// `AnswerMotion` of the generated answer video.
    public var motion: Double?

    public init(bleu: BleuStatistics? = nil, rougeL: Double? = nil, clipV: Double? = nil, clipT: Double? = nil,
                generatedFeatures: [Float]? = nil, referenceFeatures: [Float]? = nil, motion: Double? = nil) {
        self.bleu = bleu
        self.rougeL = rougeL
        self.clipV = clipV
        self.clipT = clipT
        self.generatedFeatures = generatedFeatures
        self.referenceFeatures = referenceFeatures
        self.motion = motion
    }
}

/// One cell group of the table: a row's metrics on one category.
public struct CategoryScores: Sendable, Equatable, Codable {
    public var samples: Int
    public var bleu1: ConfidenceInterval?
    public var bleu2: ConfidenceInterval?
    public var bleu3: ConfidenceInterval?
    public var bleu4: ConfidenceInterval?
    public var rougeL: ConfidenceInterval?
    public var fvd: ConfidenceInterval?
    public var clipV: ConfidenceInterval?
    public var clipT: ConfidenceInterval?
    /// Mean `AnswerMotion` of the generated videos (Table 2's motion statistic; not a column of Table 1).
    public var motion: ConfidenceInterval?

    enum CodingKeys: String, CodingKey {
        case samples, bleu1 = "bleu_1", bleu2 = "bleu_2", bleu3 = "bleu_3", bleu4 = "bleu_4", rougeL = "rouge_l", fvd
        case clipV = "clip_v", clipT = "clip_t", motion
    }

    /// Scores `measurements` (one per sample of the category) with `bootstrap`.
    public static func compute(_ measurements: [SampleMeasurements], bootstrap: Bootstrap) throws -> CategoryScores {
        var scores = CategoryScores(samples: measurements.count)
        let bleu = Bleu(maxOrder: 4)
        let counts = measurements.compactMap(\.bleu)
        if counts.count == measurements.count, !counts.isEmpty {
            func corpus(_ indices: [Int], order: Int) -> Double {
                var pooled = counts[0]  // zeroed below (the memberwise initialiser is internal to CaptionMetrics)
                pooled.hypothesisLength = 0
                pooled.referenceLength = 0
                pooled.guesses = Array(repeating: 0, count: pooled.guesses.count)
                pooled.matches = Array(repeating: 0, count: pooled.matches.count)
                for index in indices {
                    let sample = counts[index]
                    pooled.hypothesisLength += sample.hypothesisLength
                    pooled.referenceLength += sample.referenceLength
                    for k in pooled.guesses.indices {
                        pooled.guesses[k] += sample.guesses[k]
                        pooled.matches[k] += sample.matches[k]
                    }
                }
                return bleu.scores(pooled)[order]
            }
            scores.bleu1 = bootstrap.interval(count: counts.count) { corpus($0, order: 0) }
            scores.bleu2 = bootstrap.interval(count: counts.count) { corpus($0, order: 1) }
            scores.bleu3 = bootstrap.interval(count: counts.count) { corpus($0, order: 2) }
            scores.bleu4 = bootstrap.interval(count: counts.count) { corpus($0, order: 3) }
        }
        scores.rougeL = mean(measurements.map(\.rougeL), bootstrap: bootstrap)
        scores.clipV = mean(measurements.map(\.clipV), bootstrap: bootstrap)
        scores.clipT = mean(measurements.map(\.clipT), bootstrap: bootstrap)
        scores.motion = mean(measurements.map(\.motion), bootstrap: bootstrap)
        if let fvd = fvdStatistic(measurements) {
            scores.fvd = try bootstrap.interval(count: measurements.count, statistic: fvd)
        }
        return scores
    }

    /// FVD of the samples at the given indices (features recomputed per resample, not averaged), or nil when a sample
    /// lacks I3D features or there are fewer than two samples.
    static func fvdStatistic(_ measurements: [SampleMeasurements]) -> (([Int]) throws -> Double)? {
        let generated = measurements.compactMap(\.generatedFeatures), reference = measurements.compactMap(\.referenceFeatures)
        guard generated.count == measurements.count, reference.count == measurements.count, measurements.count >= 2,
              let dimensions = generated.first?.count, dimensions > 0 else { return nil }
        return { indices in
            // A resample of one distinct sample has no spread; skip it rather than fail.
            guard Set(indices).count >= 2 else { return .nan }
            let first = indices.flatMap { generated[$0].map(Double.init) }
            let second = indices.flatMap { reference[$0].map(Double.init) }
            return try FrechetDistance.distance(first, second, dimensions: dimensions)
        }
    }

    /// The mean of the values with its interval, or nil when any sample lacks one.
    static func mean(_ values: [Double?], bootstrap: Bootstrap) -> ConfidenceInterval? {
        let present = values.compactMap { $0 }
        guard present.count == values.count, !present.isEmpty else { return nil }
        return bootstrap.interval(count: present.count) { indices in indices.reduce(0) { $0 + present[$1] } / Double(indices.count) }
    }
}
