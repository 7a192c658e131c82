import Foundation
import Testing
@testable import VANS

@Suite("Paired comparison of evaluation rows") struct PairedComparisonTests {
    /// Samples of very different difficulty: CLIP-V spread over [0, 0.9], features spread in two dimensions.
    static func baseline(count: Int = 24) -> [SampleMeasurements] {
        (0..<count).map { index in
            let spread = Double((index * 7) % count) / Double(count)
            return SampleMeasurements(rougeL: spread, clipV: 0.9 * spread, clipT: 0.5 - spread,
                                      generatedFeatures: [Float(spread), Float((index * 5) % 3)],
                                      referenceFeatures: [Float(index % 4), Float(spread * 2)])
        }
    }

    // A row that is better by exactly 0.05 on every sample: the paired interval is [0.05, 0.05], although each row's
    // own interval is wide and the two overlap.
    @Test func pairingCancelsSampleDifficulty() throws {
        let bootstrap = Bootstrap(resamples: 300, seed: 3)
        let baseline = Self.baseline()
        let better = baseline.map { sample in
            var copy = sample
            copy.clipV = sample.clipV.map { $0 + 0.05 }
            return copy
        }
        let comparison = try #require(try PairedComparison.compute(row: "vans", better, baseline: "qwen*-wan*", baseline,
                                                                   category: "procedural", bootstrap: bootstrap))
        let clipV = try #require(comparison.clipV)
        #expect(abs(clipV.value - 0.05) < 1e-12 && abs(clipV.lower - 0.05) < 1e-12 && abs(clipV.upper - 0.05) < 1e-12)
        let own = try #require(try CategoryScores.compute(better, bootstrap: bootstrap).clipV)
        let other = try #require(try CategoryScores.compute(baseline, bootstrap: bootstrap).clipV)
        #expect(own.lower < other.upper, "the separate intervals overlap")
        // Unchanged metrics differ by exactly zero, FVD included (the same features on the same resamples).
        for interval in [comparison.rougeL, comparison.clipT, comparison.fvd] {
            let interval = try #require(interval)
            #expect(interval.value == 0 && interval.lower == 0 && interval.upper == 0)
        }
        #expect(comparison.samples == baseline.count && comparison.row == "vans" && comparison.baseline == "qwen*-wan*")
    }

    // The difference is row minus baseline, and its value is the difference of the two rows' own statistics.
    @Test func differenceIsRowMinusBaseline() throws {
        let bootstrap = Bootstrap(resamples: 200, seed: 0)
        let baseline = Self.baseline()
        let worse = baseline.enumerated().map { index, sample in
            var copy = sample
            copy.rougeL = sample.rougeL.map { $0 - Double(index % 3) * 0.1 }
            copy.generatedFeatures = sample.generatedFeatures.map { $0.map { $0 + 1.5 } }
            return copy
        }
        let comparison = try #require(try PairedComparison.compute(row: "vans", worse, baseline: "qwen-wan", baseline,
                                                                   category: "predictive", bootstrap: bootstrap))
        let ownScores = try CategoryScores.compute(worse, bootstrap: bootstrap)
        let otherScores = try CategoryScores.compute(baseline, bootstrap: bootstrap)
        let rouge = try #require(comparison.rougeL), fvd = try #require(comparison.fvd)
        #expect(abs(rouge.value - (ownScores.rougeL!.value - otherScores.rougeL!.value)) < 1e-12)
        #expect(rouge.value < 0 && rouge.upper < 0)
        #expect(abs(fvd.value - (ownScores.fvd!.value - otherScores.fvd!.value)) < 1e-9)
        #expect(fvd.value > 0, "shifted features are farther from the references")
    }

    // Rows of different lengths (samples that do not pair up) or without samples are not compared; a metric one
    // row lacks is left out.
    @Test func unpairedRowsAreNotCompared() throws {
        let bootstrap = Bootstrap(resamples: 50)
        let baseline = Self.baseline()
        #expect(try PairedComparison.compute(row: "a", Array(baseline.dropLast()), baseline: "b", baseline, category: "c", bootstrap: bootstrap) == nil)
        #expect(try PairedComparison.compute(row: "a", [], baseline: "b", [], category: "c", bootstrap: bootstrap) == nil)
        let captionless = baseline.map { SampleMeasurements(clipV: $0.clipV) }
        let comparison = try #require(try PairedComparison.compute(row: "a", captionless, baseline: "b", baseline, category: "c", bootstrap: bootstrap))
        #expect(comparison.rougeL == nil && comparison.fvd == nil && comparison.clipV != nil)
    }
}
