// The CLIP half of `vans metrics video`: CLIP-V and CLIP-T over directories of generated and reference videos
// paired by file name (paper App. C.2), per video and averaged over videos.
import Foundation
import VideoIO

/// The numbers `vans metrics video` prints: dataset means and one entry per video.
public struct VideoMetricsReport: Sendable, Equatable, Encodable {
    /// One video's numbers.
    public struct Video: Sendable, Equatable, Encodable {
        public var video: String
        public var clipV: Double
        public var clipT: Double?
        public var generatedFrames: Int
        public var referenceFrames: Int

        enum CodingKeys: String, CodingKey {
            case video, clipV = "clip_v", clipT = "clip_t", generatedFrames = "generated_frames", referenceFrames = "reference_frames"
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(video, forKey: .video)
            try container.encode(clipV, forKey: .clipV)
            try container.encode(clipT, forKey: .clipT)   // null without captions
            try container.encode(generatedFrames, forKey: .generatedFrames)
            try container.encode(referenceFrames, forKey: .referenceFrames)
        }
    }

    /// Mean CLIP-V over videos.
    public var clipV: Double
    /// Mean CLIP-T over videos, nil without captions.
    public var clipT: Double?
    /// How the caption cosines were scored (`cosine` = CLIP-T, `clipscore` = 2.5·max(cos, 0)).
    public var textForm: TextSimilarityForm
    /// How frames were aggregated (`mean` of cosines, or `pooled` embeddings).
    public var aggregation: FrameAggregation
    /// Number of video pairs.
    public var videos: Int
    /// Per video, in file-name order.
    public var perVideo: [Video]

    enum CodingKeys: String, CodingKey {
        case clipV = "clip_v", clipT = "clip_t", textForm = "text_form", aggregation, videos, perVideo = "per_video"
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(clipV, forKey: .clipV)
        try container.encode(clipT, forKey: .clipT)   // null without captions
        try container.encode(textForm, forKey: .textForm)
        try container.encode(aggregation, forKey: .aggregation)
        try container.encode(videos, forKey: .videos)
        try container.encode(perVideo, forKey: .perVideo)
    }
}

extension CLIPVideoMetrics {
    /// CLIP-V (and CLIP-T when `captions` are given, one per pair in `pairs.names` order) of every pair, each pair's
    /// frames embedded in one batched pass; `progress` is called after each video.
    public func evaluate(pairs: VideoPairs, captions: [String]?, progress: (() -> Void)? = nil) throws -> VideoMetricsReport {
        if let captions, captions.count != pairs.names.count {
            throw VideoMetricsError.invalidInput("\(captions.count) captions for \(pairs.names.count) videos")
        }
        var perVideo: [VideoMetricsReport.Video] = []
        for (index, name) in pairs.names.enumerated() {
            let generated = try VideoDecoder(path: pairs.generated.appendingPathComponent(name).path).decodeAll()
            let reference = try VideoDecoder(path: pairs.reference.appendingPathComponent(name).path).decodeAll()
            let score = try scores(generated: [generated], reference: [reference], captions: captions.map { [$0[index]] })[0]
            perVideo.append(.init(video: name, clipV: score.clipV, clipT: score.clipT,
                                  generatedFrames: generated.count, referenceFrames: reference.count))
            progress?()
        }
        let count = Double(perVideo.count)
        return VideoMetricsReport(
            clipV: perVideo.map(\.clipV).reduce(0, +) / count,
            clipT: captions == nil ? nil : perVideo.map { $0.clipT ?? 0 }.reduce(0, +) / count,
            textForm: textForm, aggregation: aggregation, videos: perVideo.count, perVideo: perVideo)
    }
}
