// Whether VANS beats a cascade is a question about the same samples rendered two ways, so it is answered with a
// paired bootstrap: both rows are resampled with the same sample indices and the difference of their statistics is
// taken per resample. Sample difficulty (a scene the metric networks read well or badly) then cancels; the two
// rows' separate intervals in Table 1 overlap far more than their difference's interval does.

/// VANS (or any `row`) against `baseline` on one category: row − baseline for each metric, with its paired 95 %
/// interval. Positive is better for ROUGE-L, CLIP-V and CLIP-T; negative is better for FVD.
public struct PairedComparison: Sendable, Equatable, Codable {
    public var row: String
    public var baseline: String
    public var category: String
    public var samples: Int
    public var rougeL: ConfidenceInterval?
    public var fvd: ConfidenceInterval?
    public var clipV: ConfidenceInterval?
    public var clipT: ConfidenceInterval?

    enum CodingKeys: String, CodingKey {
        case row, baseline, category, samples, rougeL = "rouge_l", fvd, clipV = "clip_v", clipT = "clip_t"
    }

    /// The differences of `measurements` minus `baselineMeasurements`, sample i of one paired with sample i of the
    /// other; nil when the two lists differ in length or are empty.
    public static func compute(row: String, _ measurements: [SampleMeasurements], baseline: String,
                               _ baselineMeasurements: [SampleMeasurements], category: String,
                               bootstrap: Bootstrap) throws -> PairedComparison? {
        let count = measurements.count
        guard count == baselineMeasurements.count, count > 0 else { return nil }
        func difference(_ value: (SampleMeasurements) -> Double?) -> ConfidenceInterval? {
            let differences: [Double?] = zip(measurements, baselineMeasurements).map { first, second in
                guard let a = value(first), let b = value(second) else { return nil }
                return a - b
            }
            return CategoryScores.mean(differences, bootstrap: bootstrap)
        }
        var comparison = PairedComparison(row: row, baseline: baseline, category: category, samples: count)
        comparison.rougeL = difference(\.rougeL)
        comparison.clipV = difference(\.clipV)
        comparison.clipT = difference(\.clipT)
        if let first = CategoryScores.fvdStatistic(measurements), let second = CategoryScores.fvdStatistic(baselineMeasurements) {
            comparison.fvd = try bootstrap.interval(count: count) { indices in try first(indices) - second(indices) }
        }
        return comparison
    }
}
