// Sharing one CLIP pass between the video rewards of a stage: Stage 2 scores r_v2 and r_c2 on the same G videos,
// which should be embedded once (issue 12: "a group of G = 8 videos costs one batched CLIP pass").
import VideoIO
import VideoMetrics

/// A `VideoEmbedding` that remembers the frame embeddings of the videos of its latest call, so a second reward
/// over the same group embeds nothing new; only videos not seen in the latest call go through `base`, in one
/// batched pass. Videos are matched by value (`==`, which is immediate for the same array storage). Not for
/// concurrent use.
public final class ReusedEmbeddings: VideoEmbedding {
    public let base: any VideoEmbedding
    private var remembered: [(video: [VideoFrame], embeddings: [[Float]])] = []

    public init(_ base: any VideoEmbedding) { self.base = base }

    public func frameEmbeddings(_ videos: [[VideoFrame]]) throws -> [[[Float]]] {
        var found: [[[Float]]?] = videos.map { video in remembered.first { $0.video == video }?.embeddings }
        let missing = videos.indices.filter { found[$0] == nil }
        if !missing.isEmpty {
            let computed = try base.frameEmbeddings(missing.map { videos[$0] })
            for (position, index) in missing.enumerated() where position < computed.count { found[index] = computed[position] }
        }
        let result = found.map { $0 ?? [] }
        remembered = Array(zip(videos, result)).map { (video: $0.0, embeddings: $0.1) }
        return result
    }

    public func textEmbeddings(_ texts: [String]) throws -> [[Float]] {
        try base.textEmbeddings(texts)
    }
}
