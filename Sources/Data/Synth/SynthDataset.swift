// Writes a VANS-Synth dataset: MP4 clips (H.264 through VideoIO) and a manifest.
// Scenes are rendered and encoded in parallel; every scene depends only on its own seed,
// so the output is the same whatever the number of threads.
import Dispatch
import Foundation
import Support
import VideoIO

/// The knobs of `vans data synth`.
public struct SynthConfiguration: Sendable, Equatable {
    /// Number of samples (manifest lines). Half are procedural (rounded up), half predictive.
    public var count: Int
    public var seed: UInt64
    public var split: SynthSplit
    /// Square frame size in pixels.
    public var size: Int
    public var fps: Double

    /// The paper's benchmark size: 400 procedural and 400 predictive samples.
    public static let defaultEvaluationCount = 800

    public init(count: Int, seed: UInt64, split: SynthSplit = .train, size: Int = 64, fps: Double = 8) {
        self.count = count
        self.seed = seed
        self.split = split
        self.size = size
        self.fps = fps
    }

    /// Rejects values the world cannot render.
    public func validate() throws(DataError) {
        guard count >= 1 else { throw .invalidOption(name: "count", value: "\(count)", reason: "must be at least 1") }
        guard SynthWorld.sizes.contains(size), size % 16 == 0 else {
            throw .invalidOption(name: "size", value: "\(size)", reason: "must be a multiple of 16 in 16…112 (Wan needs multiples of 16)")
        }
        guard fps.isFinite, fps >= 1, fps <= 60 else {
            throw .invalidOption(name: "fps", value: "\(fps)", reason: "must be in 1…60")
        }
    }
}

/// A scene chosen for a dataset and how many of its questions become samples.
public struct PlannedScene: Sendable, Equatable {
    public var sceneSeed: UInt64
    public var kind: SampleKind
    /// Index of the scene among the dataset's scenes of its kind.
    public var index: Int
    public var questionCount: Int
}

/// The result of writing a dataset.
public struct SynthDatasetSummary: Sendable, Codable {
    public var manifest: String
    public var samples: Int
    public var procedural: Int
    public var predictive: Int
    public var scenes: Int
    public var videos: Int
    public var seconds: Double
}

public enum SynthDataset {
    /// Chooses the scenes: procedural scenes until half the samples (rounded up) are
    /// procedural, then predictive ones; the last scene of a kind may give fewer questions.
    public static func plan(_ configuration: SynthConfiguration) -> [PlannedScene] {
        let quotas: [(SampleKind, Int)] = [(.procedural, (configuration.count + 1) / 2), (.predictive, configuration.count / 2)]
        var byKind: [[PlannedScene]] = []
        for (kind, quota) in quotas {
            var scenes: [PlannedScene] = []
            var remaining = quota
            var index = 0
            while remaining > 0 {
                let seed = SynthWorld.sceneSeed(split: configuration.split, seed: configuration.seed, kind: kind, index: index)
                let questions = min(SynthWorld.questionCount(sceneSeed: seed, fps: configuration.fps), remaining)
                scenes.append(PlannedScene(sceneSeed: seed, kind: kind, index: index, questionCount: questions))
                remaining -= questions
                index += 1
            }
            byKind.append(scenes)
        }
        // Interleave the kinds so any prefix of the manifest is balanced.
        var merged: [PlannedScene] = []
        for position in 0 ..< max(byKind[0].count, byKind[1].count) {
            for scenes in byKind where position < scenes.count { merged.append(scenes[position]) }
        }
        return merged
    }

    /// Renders, encodes and writes the dataset into `directory` (created if needed):
    /// `videos/*.mp4` and `manifest.jsonl`, the manifest last and atomically. `concurrent: false`
    /// renders on the calling thread only (the output is the same either way).
    public static func write(_ configuration: SynthConfiguration, to directory: URL,
                             progress: ProgressBar? = nil, concurrent: Bool = true) throws(DataError) -> SynthDatasetSummary {
        try configuration.validate()
        let started = Date()
        let videos = directory.appendingPathComponent("videos")
        do { try FileManager.default.createDirectory(at: videos, withIntermediateDirectories: true) } catch {
            throw .writeFailed(path: videos.path, reason: error.localizedDescription)
        }
        let scenes = plan(configuration)
        let results = SceneResults(count: scenes.count)
        // One encoder thread each: scenes are the unit of parallelism, and single-threaded
        // x264 output is byte-for-byte reproducible.
        let options = VideoEncodingOptions(crf: 12, preset: "fast", threads: 1)
        let work: @Sendable (Int) -> Void = { position in
            let scene = scenes[position]
            do {
                let samples = try writeScene(scene, configuration: configuration, videos: videos, options: options)
                results.store(.success(samples), at: position)
            } catch let error as DataError {
                results.store(.failure(error), at: position)
            } catch {
                results.store(.failure(.writeFailed(path: videos.path, reason: "\(error)")), at: position)
            }
            progress?.advance(by: scene.questionCount)
        }
        if concurrent {
            DispatchQueue.concurrentPerform(iterations: scenes.count, execute: work)
        } else {
            for position in scenes.indices { work(position) }
        }
        progress?.finish()
        var samples: [DatasetSample] = []
        for outcome in results.outcomes {
            switch outcome {
            case .success(let written): samples += written
            case .failure(let error): throw error
            case nil: throw .writeFailed(path: directory.path, reason: "a scene was not rendered")
            }
        }
        let manifest = directory.appendingPathComponent(Manifest.fileName)
        try Manifest.write(samples, to: manifest)
        return SynthDatasetSummary(manifest: manifest.path, samples: samples.count,
                                   procedural: samples.filter { $0.kind == .procedural }.count,
                                   predictive: samples.filter { $0.kind == .predictive }.count,
                                   scenes: scenes.count, videos: scenes.reduce(0) { $0 + 1 + $1.questionCount },
                                   seconds: Date().timeIntervalSince(started))
    }

    /// Renders one scene, writes its input clip and one answer clip per kept question.
    static func writeScene(_ scene: PlannedScene, configuration: SynthConfiguration, videos: URL,
                           options: VideoEncodingOptions) throws(DataError) -> [DatasetSample] {
        let rendered = SynthWorld.render(sceneSeed: scene.sceneSeed, size: configuration.size, fps: configuration.fps)
        let stem = "\(configuration.split.rawValue)-\(scene.kind == .procedural ? "p" : "f")\(String(format: "%05d", scene.index))"
        let inputName = "videos/\(stem)-input.mp4"
        try encode(rendered.inputFrames, to: videos.appendingPathComponent("\(stem)-input.mp4"), fps: configuration.fps, options: options)
        let inputRange = TimeRange(start: 0, end: Double(rendered.inputFrames.count) / configuration.fps)
        var samples: [DatasetSample] = []
        for (number, question) in rendered.questions.prefix(scene.questionCount).enumerated() {
            let answerFile = "\(stem)-q\(number)-answer.mp4"
            try encode(question.answerFrames, to: videos.appendingPathComponent(answerFile), fps: configuration.fps, options: options)
            samples.append(DatasetSample(
                id: "\(stem)-q\(number)", kind: rendered.kind, inputVideo: inputName, inputRange: inputRange,
                question: question.question, reasoning: question.reasoning, answerCaption: question.caption,
                answerAlternatives: question.alternatives, answerVideo: "videos/\(answerFile)",
                answerRange: TimeRange(start: 0, end: Double(question.answerFrames.count) / configuration.fps),
                source: "vans-synth", sceneSeed: scene.sceneSeed, eventType: rendered.eventType))
        }
        return samples
    }

    static func encode(_ frames: [SynthFrame], to url: URL, fps: Double, options: VideoEncodingOptions) throws(DataError) {
        let videoFrames = frames.enumerated().map { index, frame in
            VideoFrame(width: frame.width, height: frame.height, pixels: frame.pixels, timestamp: Double(index) / fps, index: index)
        }
        do { try VideoWriter.write(videoFrames, to: url.path, fps: fps, options: options) } catch {
            throw .videoFailed(path: url.path, reason: error.description)
        }
    }
}

/// Per-scene results filled in from worker threads; each slot is written once.
private final class SceneResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<[DatasetSample], DataError>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ result: Result<[DatasetSample], DataError>, at index: Int) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    var outcomes: [Result<[DatasetSample], DataError>?] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
