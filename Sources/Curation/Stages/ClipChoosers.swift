// Clip selection (paper Sec. 3): 3–5 s candidates inside each shot, scored by a VLM (procedural: match
// with the step caption; predictive: caption the segment first, then quality and representativeness),
// or by `VisualQualityScorer` offline.
import Data
import Foundation
import VideoIO

/// The offline chooser: `ClipSelector.bestClip` under `VisualQualityScorer`, frames decoded once per shot.
public struct QualityClipChooser: ClipChooser {
    public var options: ClipSelectionOptions
    /// Width the frames are scored at (smaller is faster; the score is a relative ranking).
    public var scoringWidth: Int

    public init(options: ClipSelectionOptions = ClipSelectionOptions(), scoringWidth: Int = 160) {
        self.options = options
        self.scoringWidth = scoringWidth
    }

    public func choose(in shot: Shot, of video: SourceVideo) async throws -> ChosenClip? {
        let scene = try Scene(startFrame: shot.startFrame, endFrame: shot.endFrame, framesPerSecond: shot.framesPerSecond)
        let candidates = try ClipSelector.candidates(in: scene, options: options)
        guard !candidates.isEmpty else { return nil }
        let samples = 4
        var needed = Set<Int>()
        for clip in candidates {
            let last = clip.endFrame - 1
            for sample in 0..<samples {
                needed.insert(clip.startFrame + Int((Double(sample) * Double(last - clip.startFrame) / Double(samples - 1)).rounded()))
            }
        }
        let indices = needed.sorted()
        var images: [Int: PackedImage] = [:]
        do {
            let decoder = try VideoDecoder(path: video.videoPath)
            let scale = min(1, Double(scoringWidth) / Double(max(decoder.info.width, 1)))
            let width = max(3, Int(Double(decoder.info.width) * scale)), height = max(3, Int(Double(decoder.info.height) * scale))
            for (index, frame) in zip(indices, try decoder.frames(atIndices: indices, width: width, height: height)) {
                images[index] = try PackedImage(frame)
            }
        } catch {
            throw CurationError.videoFailed(path: video.videoPath, reason: "scoring frames: \(error)")
        }
        let scorer = try VisualQualityScorer(samplesPerClip: samples) { index in
            guard let image = images[index] else {
                throw CurationError.videoFailed(path: video.videoPath, reason: "frame \(index) was not decoded")
            }
            return image
        }
        guard let best = try ClipSelector.bestClip(in: scene, scorer: scorer, options: options) else { return nil }
        return ChosenClip(startFrame: best.clip.startFrame, endFrame: best.clip.endFrame, framesPerSecond: shot.framesPerSecond,
                          caption: shot.caption ?? "", score: best.score)
    }
}

/// The paper's chooser: a VLM scores up to `maximumCandidates` evenly spread candidates (0–10).
public struct VLMClipChooser: ClipChooser {
    public var client: any VLMClient
    public var prompts: PromptLibrary
    public var options: ClipSelectionOptions
    public var maximumCandidates: Int

    public init(client: any VLMClient, prompts: PromptLibrary, options: ClipSelectionOptions = ClipSelectionOptions(), maximumCandidates: Int = 4) {
        self.client = client
        self.prompts = prompts
        self.options = options
        self.maximumCandidates = max(1, maximumCandidates)
    }

    public func choose(in shot: Shot, of video: SourceVideo) async throws -> ChosenClip? {
        let scene = try Scene(startFrame: shot.startFrame, endFrame: shot.endFrame, framesPerSecond: shot.framesPerSecond)
        let all = try ClipSelector.candidates(in: scene, options: options)
        guard !all.isEmpty else { return nil }
        let candidates = Self.spread(all, count: maximumCandidates)
        var caption = shot.caption ?? ""
        if caption.isEmpty {
            let whole = VLMClip(videoPath: video.videoPath, range: TimeRange(start: scene.startSeconds, end: scene.endSeconds))
            let reply = try await client.complete(VLMRequest(prompt: prompts.render("segment_caption", [:]), clips: [whole], maximumTokens: 96))
            caption = try ReplyParser.string(try ReplyParser.object(reply), "caption")
        }
        let template = video.kind == .procedural ? "clip_score_procedural" : "clip_score_predictive"
        var best: ChosenClip?
        for candidate in candidates {
            let clip = VLMClip(videoPath: video.videoPath, range: TimeRange(start: candidate.startSeconds, end: candidate.endSeconds))
            let reply = try await client.complete(VLMRequest(prompt: prompts.render(template, ["caption": caption]), clips: [clip], maximumTokens: 32))
            let score = try ReplyParser.number(try ReplyParser.object(reply), "score", in: 0...10)
            if best == nil || score > best!.score {
                best = ChosenClip(startFrame: candidate.startFrame, endFrame: candidate.endFrame, framesPerSecond: shot.framesPerSecond,
                                  caption: caption, score: score)
            }
        }
        return best
    }

    /// `count` candidates evenly spread over the list (the longest first, as `ClipSelector` orders them).
    static func spread(_ candidates: [ClipCandidate], count: Int) -> [ClipCandidate] {
        guard candidates.count > count else { return candidates }
        if count == 1 { return [candidates[0]] }
        return (0..<count).map { candidates[Int((Double($0) * Double(candidates.count - 1) / Double(count - 1)).rounded())] }
    }
}
