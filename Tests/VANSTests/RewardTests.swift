import Testing
import VideoIO
import VideoMetrics
@testable import VANS

/// Embeds a frame as its first two bytes and any text as [1, 0]; counts calls.
final class FakeEmbedder: VideoEmbedding {
    var frameCalls = 0
    var textCalls = 0
    func frameEmbeddings(_ videos: [[VideoFrame]]) throws -> [[[Float]]] {
        frameCalls += 1
        return videos.map { $0.map { [Float(Int($0.pixels[0]) - 100), Float(Int($0.pixels[1]) - 100)] } }
    }
    func textEmbeddings(_ texts: [String]) throws -> [[Float]] {
        textCalls += 1
        return texts.map { _ in [1, 0] }
    }
}

/// A video whose frames embed (through FakeEmbedder) as the given 2-D vectors.
func video(_ vectors: [[Int]]) -> [VideoFrame] {
    vectors.map { VideoFrame(width: 1, height: 1, pixels: [UInt8($0[0] + 100), UInt8($0[1] + 100), 0]) }
}

/// A reward with fixed values.
struct FixedReward: RewardScoring {
    var name: String
    var values: [Double]
    func scores(_ group: RewardGroup) throws -> [Double] { values }
}

@Suite struct RewardTests {
    // r_f is 1 exactly when the output follows the [Think]…[/Think][Ans]…[/Ans] format.
    @Test func formatReward() throws {
        let group = RewardGroup(samples: [RewardSample(completion: "[Think]he is hungry[/Think][Ans]A man cooks.[/Ans]"),
                                          RewardSample(completion: "A man cooks.")])
        #expect(try FormatReward().scores(group) == [1, 0])
    }

    // r_t1 is rouge-score's ROUGE-L F1 of the answer (0.6 for the metrics.md example) and 0 without the format.
    @Test func rougeReward() throws {
        let group = RewardGroup(samples: [RewardSample(completion: "[Think]x[/Think] [Ans]A man cooks.[/Ans]"),
                                          RewardSample(completion: "A man cooks pasta in the kitchen.")],
                                groundTruthCaption: "A man cooks pasta in the kitchen.")
        let values = try RougeLReward().scores(group)
        #expect(abs(values[0] - 0.6) < 1e-12 && values[1] == 0)
    }

    // CLIP-V resamples the ground truth to each video's length; unrendered samples score 0; one embedding pass.
    @Test func videoSimilarityReward() throws {
        let embedder = FakeEmbedder()
        let group = RewardGroup(samples: [RewardSample(video: video([[1, 0], [0, 1]])), RewardSample(video: video([[1, 1]])),
                                          RewardSample(video: nil)],
                                groundTruthVideo: video([[3, 0], [5, 0], [0, 2]]))
        let values = try VideoSimilarityReward(embedder: embedder).scores(group)
        // Sample 0: gt indices round(linspace(0, 2, 2)) = [0, 2]: cosines 1 and 1. Sample 1: index [0]: 1/√2.
        #expect(abs(values[0] - 1) < 1e-12 && abs(values[1] - 0.5.squareRoot()) < 1e-12 && values[2] == 0)
        #expect(embedder.frameCalls == 1)
        #expect(throws: RewardError.self) { try VideoSimilarityReward(embedder: embedder).scores(RewardGroup(samples: group.samples)) }
    }

    // r_c2 is the raw frame–caption cosine by default; Hessel's form clamps at 0 and scales by 2.5.
    @Test func clipScoreReward() throws {
        let group = RewardGroup(samples: [RewardSample(video: video([[1, 0], [0, 1]])), RewardSample(video: video([[-2, 0]]))],
                                anchorCaption: "a man cooks")
        #expect(try CLIPScoreReward(embedder: FakeEmbedder()).scores(group) == [0.5, -1])
        #expect(try CLIPScoreReward(embedder: FakeEmbedder(), form: .clipScore).scores(group) == [1.25, 0])
        #expect(throws: RewardError.self) { try CLIPScoreReward(embedder: FakeEmbedder()).scores(RewardGroup(samples: group.samples)) }
    }

    // z-scores use the population std plus ε; equal values give 0.
    @Test func zScoresUsePopulationStandardDeviation() {
        let scores = RewardCombination.zScores([1, 2, 3, 4], epsilon: 1e-4)
        let scale = 1.25.squareRoot() + 1e-4
        for (score, expected) in zip(scores, [-1.5, -0.5, 0.5, 1.5]) { #expect(abs(score - expected / scale) < 1e-12) }
        #expect(RewardCombination.zScores([0.3, 0.3, 0.3], epsilon: 1e-4).allSatisfy { abs($0) < 1e-9 })
    }

    // The total is Σ λ_k z_k; an affine rescaling of a component (Hessel's 2.5×) leaves its z-scores unchanged.
    @Test func weightedSumOfZScores() throws {
        let group = RewardGroup(samples: Array(repeating: RewardSample(), count: 3))
        let combination = RewardCombination([WeightedReward(FixedReward(name: "a", values: [0, 1, 2]), weight: 1),
                                             WeightedReward(FixedReward(name: "b", values: [10, 10, 40]), weight: 2)],
                                            epsilon: 0)
        let result = try combination.evaluate(group)
        let a = [-1, 0, 1].map { Double($0) / (2.0 / 3).squareRoot() }
        let b = [-10, -10, 20].map { Double($0) / 200.0.squareRoot() }   // mean 20, σ² = (100 + 100 + 400) / 3
        for index in 0 ..< 3 { #expect(abs(result.total[index] - (a[index] + 2 * b[index])) < 1e-12) }
        #expect(result.raw["b"] == [10, 10, 40])
        let scaled = try RewardCombination([WeightedReward(FixedReward(name: "b", values: [25, 25, 100]))], epsilon: 0).evaluate(group)
        for index in 0 ..< 3 { #expect(abs(scaled.normalized["b"]![index] - result.normalized["b"]![index]) < 1e-12) }
        let wrong = RewardCombination([WeightedReward(FixedReward(name: "c", values: [1]))])
        #expect(throws: RewardError.self) { try wrong.evaluate(group) }
    }

    // Stage 1 scores format, ROUGE-L and CLIP-V with one embedding pass for the whole group.
    @Test func stageOneUsesOnePassPerGroup() throws {
        let embedder = FakeEmbedder()
        let samples = (0 ..< 8).map { index in
            RewardSample(completion: "[Think]t[/Think][Ans]A man cooks \(index).[/Ans]", video: video([[1, index]]))
        }
        let result = try RewardCombination.stageOne(embedder: embedder)
            .evaluate(RewardGroup(samples: samples, groundTruthCaption: "A man cooks pasta.", groundTruthVideo: video([[1, 0]])))
        #expect(embedder.frameCalls == 1 && result.total.count == 8)
        #expect(result.raw["format"] == Array(repeating: 1, count: 8))
        // CLIP-V falls as the frame turns away from the ground truth, so the totals fall too.
        #expect(zip(result.total, result.total.dropFirst()).allSatisfy { $0 > $1 })
    }

    // Stage 2 scores r_v2 and r_c2 from one image pass per group (the second reward reuses the first's embeddings),
    // and a new group is embedded afresh.
    @Test func stageTwoSharesOnePass() throws {
        let embedder = FakeEmbedder()
        let combination = RewardCombination.stageTwo(embedder: embedder)
        func group(_ offset: Int) -> RewardGroup {
            RewardGroup(samples: (0 ..< 8).map { RewardSample(video: video([[1, $0 + offset], [2, 1]])) },
                        groundTruthVideo: video([[1, 0]]), anchorCaption: "a man cooks")
        }
        let first = try combination.evaluate(group(0))
        #expect(embedder.frameCalls == 1 && embedder.textCalls == 1)
        _ = try combination.evaluate(group(1))
        #expect(embedder.frameCalls == 2 && embedder.textCalls == 2)
        // Same values as unshared scorers.
        let direct = try CLIPScoreReward(embedder: FakeEmbedder()).scores(group(0))
        #expect(first.raw["clipscore"] == direct)
        #expect(first.raw["r_v2"] == (try VideoSimilarityReward(embedder: FakeEmbedder()).scores(group(0))))
    }
}
