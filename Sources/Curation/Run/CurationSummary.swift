// The run's report, like the paper's Table 3: samples per source and kind, mean input and answer
// durations, and how many units were rejected or failed, by reason.
import Data
import Foundation

public struct CurationSummary: Sendable, Codable, Equatable {
    public struct Row: Sendable, Codable, Equatable {
        public var source: String
        public var kind: SampleKind
        public var samples: Int
        public var meanInputSeconds: Double
        public var meanAnswerSeconds: Double
    }

    public var manifest: String
    public var videos: Int
    public var samples: Int
    public var rows: [Row]
    /// Rejected units (self-check, leaks, shots without a clip) by reason.
    public var rejections: [String: Int]
    /// Failed units (VLM errors after retries, malformed replies, video errors) by reason.
    public var failures: [String: Int]
    /// Units recorded per stage (video, shots, clip, qa, sample) and state (done, rejected, failed).
    public var units: [String: [String: Int]]
    public var importProblems: [ImportProblem]
    public var skippedEntries: Int

    /// The rejection reason of shots without a usable clip.
    public static let noClipReason = "no usable clip in the shot"

    static func make(table: any JobStore, samples: [CuratedSample], videos: Int, importProblems: [ImportProblem],
                     skippedEntries: Int) async throws -> CurationSummary {
        var groups: [String: [CuratedSample]] = [:]
        for sample in samples { groups["\(sample.sample.source)\u{0}\(sample.sample.kind.rawValue)", default: []].append(sample) }
        let rows = groups.keys.sorted().map { key -> Row in
            let members = groups[key]!
            let count = Double(members.count)
            return Row(source: members[0].sample.source, kind: members[0].sample.kind, samples: members.count,
                       meanInputSeconds: members.map(\.sample.inputRange.duration).reduce(0, +) / count,
                       meanAnswerSeconds: members.map(\.sample.answerRange.duration).reduce(0, +) / count)
        }
        var rejections: [String: Int] = [:], failures: [String: Int] = [:], units: [String: [String: Int]] = [:]
        let all = try await table.units(stage: nil)
        for unit in all { units[unit.stage, default: [:]][unit.state.rawValue, default: 0] += 1 }
        for unit in all where unit.stage != "video" {
            if unit.state == .rejected { rejections[unit.reason ?? "unknown", default: 0] += 1 }
            // A shot whose clip choice found nothing is stored as done with a null result (so a rerun does not
            // choose again); for the report it is a rejection.
            if unit.stage == "clip", unit.state == .done, unit.result == "null" { rejections[Self.noClipReason, default: 0] += 1 }
            if unit.state == .failed { failures[unit.reason ?? "unknown", default: 0] += 1 }
        }
        return CurationSummary(manifest: Manifest.fileName, videos: videos, samples: samples.count, rows: rows, rejections: rejections,
                               failures: failures, units: units, importProblems: importProblems, skippedEntries: skippedEntries)
    }

    /// A plain-text table for the terminal.
    public var table: String {
        var lines = ["source        kind        samples  mean input s  mean answer s"]
        for row in rows {
            lines.append(row.source.padding(toLength: 14, withPad: " ", startingAt: 0) + row.kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
                         + String(format: "%7d  %12.2f  %13.2f", row.samples, row.meanInputSeconds, row.meanAnswerSeconds))
        }
        lines.append("total: \(samples) samples from \(videos) videos; \(skippedEntries) annotation entries skipped (\(importProblems.count) problems)")
        for stage in ["video", "shots", "clip", "qa", "sample"] where units[stage] != nil {
            let counts = units[stage, default: [:]].sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            lines.append("units \(stage): \(counts)")
        }
        for (reason, count) in rejections.sorted(by: { $0.key < $1.key }) { lines.append("rejected \(count)×: \(reason)") }
        for (reason, count) in failures.sorted(by: { $0.key < $1.key }) { lines.append("failed \(count)×: \(reason)") }
        return lines.joined(separator: "\n")
    }
}
