// The video rewards: CLIP similarity to the ground-truth video (r_v1, r_v2; grpo.md decision 9, the paper's
// CLIP-V) and CLIPScore against the anchor caption (r_c2; decision 10, raw cosine by default). Each group's videos
// are embedded in one batched pass.
import VideoMetrics

/// r_v1 / r_v2: mean over the generated frames of cos(CLIP(gen_f), CLIP(gt_{r(f)})), the ground truth resampled to
/// the generated frame count (`FrameResampling`). Samples without a video score 0.
public struct VideoSimilarityReward: RewardScoring {
    public let embedder: any VideoEmbedding
    public let name: String

    /// - Parameter name: `clip_v` by default; `r_v1`/`r_v2` distinguish the stages in logs.
    public init(embedder: any VideoEmbedding, name: String = "clip_v") {
        self.embedder = embedder
        self.name = name
    }

    public func scores(_ group: RewardGroup) throws -> [Double] {
        guard let reference = group.groundTruthVideo, !reference.isEmpty else {
            throw RewardError.missingInput(reward: name, reason: "the group has no ground-truth video")
        }
        let rendered = group.samples.indices.filter { !(group.samples[$0].video ?? []).isEmpty }
        guard !rendered.isEmpty else { return group.samples.map { _ in 0 } }
        // One pass: every rendered video and the ground truth.
        let embeddings = try embedder.frameEmbeddings(rendered.map { group.samples[$0].video! } + [reference])
        guard embeddings.count == rendered.count + 1 else {
            throw RewardError.wrongCount(reward: name, expected: rendered.count + 1, found: embeddings.count)
        }
        var values = group.samples.map { _ in 0.0 }
        for (position, index) in rendered.enumerated() {
            values[index] = try CLIPSimilarity.videoSimilarity(generated: embeddings[position], reference: embeddings[rendered.count])
        }
        return values
    }
}

/// r_c2: mean over frames of the cosine between each frame and the anchor caption (raw by default; Hessel's
/// 2.5·max(cos, 0) as an option). Samples without a video score 0.
public struct CLIPScoreReward: RewardScoring {
    public let embedder: any VideoEmbedding
    public let form: TextSimilarityForm
    public var name: String { "clipscore" }

    public init(embedder: any VideoEmbedding, form: TextSimilarityForm = .cosine) {
        self.embedder = embedder
        self.form = form
    }

    public func scores(_ group: RewardGroup) throws -> [Double] {
        guard let caption = group.anchorCaption else {
            throw RewardError.missingInput(reward: name, reason: "the group has no anchor caption")
        }
        let rendered = group.samples.indices.filter { !(group.samples[$0].video ?? []).isEmpty }
        guard !rendered.isEmpty else { return group.samples.map { _ in 0 } }
        let embeddings = try embedder.frameEmbeddings(rendered.map { group.samples[$0].video! })
        let texts = try embedder.textEmbeddings([caption])
        guard embeddings.count == rendered.count, texts.count == 1 else {
            throw RewardError.wrongCount(reward: name, expected: rendered.count, found: embeddings.count)
        }
        var values = group.samples.map { _ in 0.0 }
        for (position, index) in rendered.enumerated() {
            values[index] = try CLIPSimilarity.textSimilarity(frames: embeddings[position], text: texts[0], form: form)
        }
        return values
    }
}
