// Table 5 of the paper (App. D.4): per system, the mean 1–5 rating of semantic correctness, visual consistency and
// overall quality, each with a 95 % percentile-bootstrap interval over the individual ratings (seeded, as every
// other table of `vans`).
import Foundation
import VANS

/// Table 5 computed from stored ratings.
public struct RatingTable: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var system: String
        /// Number of ratings (one per rater and example).
        public var ratings: Int
        public var raters: Int
        public var semantic: ConfidenceInterval
        public var visual: ConfidenceInterval
        public var overall: ConfidenceInterval
    }

    public var rows: [Row]
    public var resamples: Int
    public var seed: UInt64

    /// Rows in order of first appearance of each system in `records`.
    public init(records: [RatingRecord], bootstrap: Bootstrap = Bootstrap()) {
        var order: [String] = [], bySystem: [String: [RatingRecord]] = [:]
        for record in records {
            if bySystem[record.system] == nil { order.append(record.system) }
            bySystem[record.system, default: []].append(record)
        }
        rows = order.map { system in
            let group = bySystem[system] ?? []
            func interval(_ score: KeyPath<RatingRecord, Int>) -> ConfidenceInterval {
                let values = group.map { Double($0[keyPath: score]) }
                return bootstrap.interval(count: values.count) { indices in indices.reduce(0) { $0 + values[$1] } / Double(indices.count) }
            }
            return Row(system: system, ratings: group.count, raters: Set(group.map(\.rater)).count,
                       semantic: interval(\.semantic), visual: interval(\.visual), overall: interval(\.overall))
        }
        resamples = bootstrap.resamples
        seed = bootstrap.seed
    }

    /// The markdown table `vans report ratings` prints.
    public var markdown: String {
        func cell(_ value: ConfidenceInterval) -> String {
            String(format: "%.2f [%.2f, %.2f]", value.value, value.lower, value.upper)
        }
        var lines = ["| system | semantic | visual | overall | ratings | raters |", "|---|---|---|---|---|---|"]
        for row in rows {
            lines.append("| \(row.system) | \(cell(row.semantic)) | \(cell(row.visual)) | \(cell(row.overall)) | \(row.ratings) | \(row.raters) |")
        }
        lines.append("")
        lines.append("Mean 1–5 rating with its 95 % percentile-bootstrap interval over ratings (\(resamples) resamples, seed \(seed)).")
        return lines.joined(separator: "\n") + "\n"
    }
}
