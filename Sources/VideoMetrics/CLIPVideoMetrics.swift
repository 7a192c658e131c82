// CLIP-V, CLIP-T and CLIPScore of videos (paper App. C.2, ../shared/reference/metrics.md): per-frame cosines of
// projected, L2-normalised CLIP embeddings (transformers' `image_embeds`/`text_embeds`), averaged over frames.
// CLIPScore is Hessel et al.'s 2.5·max(cos, 0) (jmhessel/clipscore `clipscore.py`), without its text prefix.
import CLIP
import Foundation
import Tensor
import VideoIO

/// The rule that makes a ground-truth video as long as the generated one.
public enum FrameResampling {
    /// The source frame for each of `count` output frames: round(linspace(0, sourceCount − 1, count)) with
    /// numpy's arithmetic (i·step, the last one exactly sourceCount − 1) and round-half-to-even. Shorter sources
    /// repeat frames; longer ones skip them evenly; the first and last frames are always kept.
    public static func indices(sourceCount: Int, count: Int) -> [Int] {
        guard sourceCount > 0, count > 0 else { return [] }
        guard count > 1 else { return [0] }
        let step = Double(sourceCount - 1) / Double(count - 1)
        return (0 ..< count).map { index in
            index == count - 1 ? sourceCount - 1 : Int((Double(index) * step).rounded(.toNearestOrEven))
        }
    }
}

/// How a frame–caption cosine becomes a score.
public enum TextSimilarityForm: String, Sendable, CaseIterable, Codable {
    /// The raw cosine (CLIP-T as the paper reports it; the reward default, `grpo.md` decision 10).
    case cosine
    /// Hessel's CLIPScore, 2.5·max(cos, 0).
    case clipScore = "clipscore"

    /// The score of one cosine.
    public func score(_ cosine: Double) -> Double {
        switch self {
        case .cosine: return cosine
        case .clipScore: return 2.5 * max(cosine, 0)
        }
    }
}

/// How per-frame embeddings become one video number.
public enum FrameAggregation: String, Sendable, CaseIterable, Codable {
    /// The mean of per-frame cosines (the paper's App. C.2 wording; the default).
    case meanOfCosines = "mean"
    /// The cosine of the renormalised means of the unit frame embeddings (metrics.md's "pooled" variant; for CLIP-V
    /// both videos are pooled, the reference after resampling). `TextSimilarityForm` applies to the one cosine.
    case pooled
}

/// The per-video similarities, computed in float64 from float32 embeddings.
public enum CLIPSimilarity {
    /// Cosine of two embeddings in float64 (0 when either is zero).
    public static func cosine(_ first: [Float], _ second: [Float]) -> Double {
        cosine(first.map(Double.init), second.map(Double.init))
    }

    /// The mean of the unit-normalised embeddings (zero embeddings contribute 0).
    static func meanOfUnitVectors(_ vectors: [[Float]]) -> [Double] {
        guard let width = vectors.first?.count else { return [] }
        var sum = [Double](repeating: 0, count: width)
        for vector in vectors {
            let norm = vector.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            guard norm > 0 else { continue }
            for (index, value) in vector.enumerated() where index < width { sum[index] += Double(value) / norm }
        }
        return sum.map { $0 / Double(vectors.count) }
    }

    /// Cosine of two float64 vectors (0 when either is zero).
    static func cosine(_ first: [Double], _ second: [Double]) -> Double {
        var dot = 0.0, firstNorm = 0.0, secondNorm = 0.0
        for (a, b) in zip(first, second) {
            dot += a * b
            firstNorm += a * a
            secondNorm += b * b
        }
        let denominator = (firstNorm * secondNorm).squareRoot()
        return denominator > 0 ? dot / denominator : 0
    }

    /// CLIP-V of one pair: the mean over the generated frames of cos(generated_f, reference_{r(f)}), with r the
    /// `FrameResampling` of the reference to the generated frame count.
    public static func videoSimilarity(generated: [[Float]], reference: [[Float]],
                                       aggregation: FrameAggregation = .meanOfCosines) throws(VideoMetricsError) -> Double {
        guard !generated.isEmpty, !reference.isEmpty else {
            throw .invalidInput("CLIP-V needs at least one generated and one reference frame (got \(generated.count) and \(reference.count))")
        }
        let indices = FrameResampling.indices(sourceCount: reference.count, count: generated.count)
        if aggregation == .pooled {
            return cosine(meanOfUnitVectors(generated), meanOfUnitVectors(indices.map { reference[$0] }))
        }
        return zip(generated, indices).map { cosine($0, reference[$1]) }.reduce(0, +) / Double(generated.count)
    }

    /// CLIP-T (or CLIPScore) of one video: the mean over frames of `form.score(cos(frame, text))`.
    public static func textSimilarity(frames: [[Float]], text: [Float], form: TextSimilarityForm = .cosine,
                                      aggregation: FrameAggregation = .meanOfCosines) throws(VideoMetricsError) -> Double {
        guard !frames.isEmpty else { throw .invalidInput("CLIP-T needs at least one frame") }
        if aggregation == .pooled { return form.score(cosine(meanOfUnitVectors(frames), text.map(Double.init))) }
        return frames.map { form.score(cosine($0, text)) }.reduce(0, +) / Double(frames.count)
    }
}

/// Something that embeds video frames and captions into one space (CLIP; fakes in tests).
public protocol VideoEmbedding {
    /// One embedding per frame of every video, in order; all videos in one batched pass.
    func frameEmbeddings(_ videos: [[VideoFrame]]) throws -> [[[Float]]]
    /// One embedding per text.
    func textEmbeddings(_ texts: [String]) throws -> [[Float]]
}

/// CLIP embeddings of decoded frames and captions.
public struct CLIPVideoEmbedder: VideoEmbedding, Sendable {
    /// The model, its image processor and tokenizer.
    public let clip: CLIPBundle
    /// Frames per forward pass: bounds activation memory; larger groups run in consecutive chunks.
    public let maximumBatch: Int

    public init(clip: CLIPBundle, maximumBatch: Int = 256) {
        self.clip = clip
        self.maximumBatch = max(1, maximumBatch)
    }

    /// Projected image embeddings of every frame of every video (one preprocessing and forward over all of them).
    public func frameEmbeddings(_ videos: [[VideoFrame]]) throws -> [[[Float]]] {
        let frames = videos.flatMap { $0 }
        guard !frames.isEmpty else { return videos.map { _ in [] } }
        let width = clip.model.configuration.projectionDimension
        var embeddings: [[Float]] = []
        embeddings.reserveCapacity(frames.count)
        for start in stride(from: 0, to: frames.count, by: maximumBatch) {
            let chunk = Array(frames[start ..< min(start + maximumBatch, frames.count)])
            let values = try clip.model.imageFeatures(pixelValues: try clip.imageProcessor.pixelValues(for: chunk)).contiguous().scalars
            for row in 0 ..< chunk.count { embeddings.append(Array(values[row * width ..< (row + 1) * width])) }
        }
        var result: [[[Float]]] = []
        var offset = 0
        for video in videos {
            result.append(Array(embeddings[offset ..< offset + video.count]))
            offset += video.count
        }
        return result
    }

    /// Projected text embeddings of `texts` (tokenised with the directory's tokenizer, truncated to the model's positions).
    public func textEmbeddings(_ texts: [String]) throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let (ids, mask) = try clip.tokenize(texts)
        let width = clip.model.configuration.projectionDimension
        let values = try clip.model.textFeatures(ids: ids, attentionMask: mask).contiguous().scalars
        return (0 ..< texts.count).map { Array(values[$0 * width ..< ($0 + 1) * width]) }
    }
}

/// CLIP-V and CLIP-T of one generated video.
public struct CLIPVideoScores: Sendable, Equatable, Codable {
    /// Mean frame cosine with the reference video.
    public var clipV: Double
    /// Mean frame–caption score (nil without a caption).
    public var clipT: Double?

    public init(clipV: Double, clipT: Double?) {
        self.clipV = clipV
        self.clipT = clipT
    }
}

/// The CLIP video metrics over groups of videos: each group costs one batched embedding pass.
public struct CLIPVideoMetrics {
    public let embedder: any VideoEmbedding
    public let textForm: TextSimilarityForm
    public let aggregation: FrameAggregation

    public init(embedder: any VideoEmbedding, textForm: TextSimilarityForm = .cosine, aggregation: FrameAggregation = .meanOfCosines) {
        self.embedder = embedder
        self.textForm = textForm
        self.aggregation = aggregation
    }

    /// Scores of each generated video against the reference at the same position (and its caption, when given).
    public func scores(generated: [[VideoFrame]], reference: [[VideoFrame]], captions: [String]? = nil) throws -> [CLIPVideoScores] {
        guard generated.count == reference.count else {
            throw VideoMetricsError.invalidInput("\(generated.count) generated videos but \(reference.count) references")
        }
        if let captions, captions.count != generated.count {
            throw VideoMetricsError.invalidInput("\(generated.count) generated videos but \(captions.count) captions")
        }
        let embeddings = try embedder.frameEmbeddings(generated + reference)
        let texts = try captions.map { try embedder.textEmbeddings($0) }
        return try generated.indices.map { index in
            let frames = embeddings[index]
            let clipV = try CLIPSimilarity.videoSimilarity(generated: frames, reference: embeddings[generated.count + index],
                                                           aggregation: aggregation)
            let clipT = try texts.map {
                try CLIPSimilarity.textSimilarity(frames: frames, text: $0[index], form: textForm, aggregation: aggregation)
            }
            return CLIPVideoScores(clipV: clipV, clipT: clipT)
        }
    }
}
