// The clips the VANS-Synth metric networks learn from: every answer clip of a VANS-Synth manifest with its caption
// and event type, decoded once. CLIP learns (frame, caption) pairs from them, I3D the event type of a clip.
import Data
import Foundation
import VideoIO

/// One answer clip of a manifest, decoded.
public struct MetricPretrainingClip: Sendable {
    public var sampleID: String
    public var kind: SampleKind
    /// RGB frames of the answer clip (its `answer_range`).
    public var frames: [VideoFrame]
    /// The ground-truth caption of what happens in the clip.
    public var caption: String
    /// Every accepted wording of the caption.
    public var alternatives: [String]
    /// The world's event type (nil for samples without one).
    public var eventType: String?
}

/// Loading of the clips of a manifest directory.
public enum MetricPretrainingData {
    /// The answer clips of `directory/manifest.jsonl` (at most `limit`), decoded; each video file is decoded once.
    /// - Throws: `TrainingError.data` naming the manifest or the video that could not be read.
    public static func clips(in directory: URL, limit: Int? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> [MetricPretrainingClip] {
        let manifestURL = directory.appendingPathComponent(Manifest.fileName)
        var samples: [DatasetSample]
        do { samples = try Manifest.read(from: manifestURL) } catch {
            throw TrainingError.data("\(manifestURL.path): \(error)")
        }
        if let limit { samples = Array(samples.prefix(max(limit, 0))) }
        guard !samples.isEmpty else { throw TrainingError.data("\(manifestURL.path) has no samples") }
        var decoded: [String: [VideoFrame]] = [:]
        var clips: [MetricPretrainingClip] = []
        for (index, sample) in samples.enumerated() {
            let url = sample.answerURL(in: directory)
            let frames: [VideoFrame]
            if let cached = decoded[url.path] { frames = cached } else {
                do { frames = try VideoDecoder(path: url.path).decodeAll() } catch {
                    throw TrainingError.data("\(url.path) (answer video of sample \(sample.id)): \(error)")
                }
                decoded[url.path] = frames
            }
            let range = sample.answerRange
            var kept = frames.filter { $0.timestamp >= range.start - 1e-6 && $0.timestamp < range.end - 1e-6 }
            if kept.isEmpty { kept = frames }
            clips.append(MetricPretrainingClip(sampleID: sample.id, kind: sample.kind, frames: kept, caption: sample.answerCaption,
                                               alternatives: sample.answerAlternatives, eventType: sample.eventType))
            progress?(index + 1, samples.count)
        }
        return clips
    }
}
