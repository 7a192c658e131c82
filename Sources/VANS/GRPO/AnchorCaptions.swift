// Stage 2's anchor captions (paper §4.2: "samples with low semantic similarity to the ground truth are discarded and
// regenerated"; App. C.1: ROUGE-L < 0.6 filtered out), as decision 14 of ../shared/reference/grpo.md makes it
// concrete: the frozen stage-1 VLM's greedy answer first, then up to `retries` samples at τ = 1 from one prefill;
// the first whose answer reaches the threshold is the anchor, else the prompt is dropped.
import CaptionMetrics

public enum AnchorCaptions {
    /// Sample id → anchor caption, for the samples that have one.
    public static func generate(samples: [GRPOSample], policy: any TextPolicy, format: AnswerFormat, threshold: Double,
                                retries: Int, maximumTokens: Int, seed: UInt64) throws -> [String: String] {
        let scorer = RougeScorer()
        var anchors: [String: String] = [:]
        for (index, sample) in samples.enumerated() {
            func accepted(_ texts: [String]) -> String? {
                texts.map { format.parse($0).answer }.first {
                    scorer.score(target: sample.groundTruthCaption, prediction: $0).fmeasure >= threshold
                }
            }
            let greedy = try policy.sample(sample, count: 1, temperature: 0, topP: 1, maximumTokens: maximumTokens, seed: seed)
            if let anchor = accepted(greedy.texts) {
                anchors[sample.id] = anchor
                continue
            }
            guard retries > 0 else { continue }
            let sampled = try policy.sample(sample, count: retries, temperature: 1, topP: 1, maximumTokens: maximumTokens,
                                            seed: JointGRPOTrainer.mix(seed, UInt64(index)))
            if let anchor = accepted(sampled.texts) { anchors[sample.id] = anchor }
        }
        return anchors
    }
}
