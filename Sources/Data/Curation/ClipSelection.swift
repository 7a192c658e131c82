// The paper's clip stage (VANS §3 data curation): within each scene of at least 3 s, choose the
// best 3–5 s clip under an injected scoring function (the paper used Gemini-2.5-Flash; here
// any `ClipScorer`, e.g. `VisualQualityScorer`).

/// A candidate clip: frames `startFrame ..< endFrame` (end exclusive).
public struct ClipCandidate: Sendable, Equatable, Hashable {
    public let startFrame: Int
    public let endFrame: Int
    public let framesPerSecond: Double

    public var frameCount: Int { endFrame - startFrame }
    public var startSeconds: Double { Double(startFrame) / framesPerSecond }
    public var endSeconds: Double { Double(endFrame) / framesPerSecond }
    public var durationSeconds: Double { Double(frameCount) / framesPerSecond }
}

/// A clip and the score that chose it.
public struct ScoredClip: Sendable, Equatable {
    public let clip: ClipCandidate
    public let score: Double
}

/// Scores a candidate clip; higher is better. Scores must be finite.
public protocol ClipScorer {
    func score(_ clip: ClipCandidate) throws -> Double
}

/// A `ClipScorer` made from a closure.
public struct ClosureClipScorer: ClipScorer {
    private let body: (ClipCandidate) throws -> Double

    public init(_ body: @escaping (ClipCandidate) throws -> Double) {
        self.body = body
    }

    public func score(_ clip: ClipCandidate) throws -> Double { try body(clip) }
}

/// How candidate clips are enumerated.
public struct ClipSelectionOptions: Sendable, Equatable {
    /// Shortest clip, seconds (3 in VANS).
    public var minimumSeconds: Double = 3
    /// Longest clip, seconds (5 in VANS).
    public var maximumSeconds: Double = 5
    /// Step between candidate start times, seconds.
    public var strideSeconds: Double = 0.5
    /// Step between candidate lengths, seconds (the extremes are always candidates).
    public var lengthStepSeconds: Double = 1

    public init() {}

    func validate() throws {
        for (name, value) in [("minimum clip seconds", minimumSeconds), ("maximum clip seconds", maximumSeconds),
                              ("clip stride seconds", strideSeconds), ("clip length step seconds", lengthStepSeconds)] {
            guard value.isFinite, value > 0 else {
                throw DataError.invalidOption(name: name, value: "\(value)", reason: "must be a positive number")
            }
        }
        guard minimumSeconds <= maximumSeconds else {
            throw DataError.invalidOption(name: "clip length range", value: "\(minimumSeconds)...\(maximumSeconds)",
                                              reason: "minimum exceeds maximum")
        }
    }
}

/// Enumerates and chooses clips inside scenes.
public enum ClipSelector {
    /// Every candidate window of the scene: lengths from the longest allowed (≤ maximum, ≤ the
    /// scene) down to the shortest (≥ minimum) in `lengthStepSeconds` steps, starts every
    /// `strideSeconds` plus a window flush with the scene's end. Empty when the scene is
    /// shorter than the minimum.
    public static func candidates(in scene: Scene, options: ClipSelectionOptions = ClipSelectionOptions()) throws -> [ClipCandidate] {
        try options.validate()
        let fps = scene.framesPerSecond
        // A tiny tolerance keeps 3·fps frames at fractional rates (e.g. 29.97) exactly 3 s.
        let shortest = max(1, Int((options.minimumSeconds * fps - 1e-9).rounded(.up)))
        let longest = min(Int((options.maximumSeconds * fps + 1e-9).rounded(.down)), scene.frameCount)
        guard shortest <= longest else { return [] }
        let lengthStep = max(1, Int((options.lengthStepSeconds * fps).rounded()))
        let startStep = max(1, Int((options.strideSeconds * fps).rounded()))
        var lengths = Array(stride(from: longest, through: shortest, by: -lengthStep))
        if lengths.last != shortest { lengths.append(shortest) }
        var candidates: [ClipCandidate] = []
        for length in lengths {
            let lastStart = scene.endFrame - length
            var starts = Array(stride(from: scene.startFrame, through: lastStart, by: startStep))
            if starts.last != lastStart { starts.append(lastStart) }
            candidates += starts.map { ClipCandidate(startFrame: $0, endFrame: $0 + length, framesPerSecond: fps) }
        }
        return candidates
    }

    /// The highest-scoring candidate of the scene (ties go to the longer, then the earlier
    /// clip), or nil when the scene is shorter than the minimum clip.
    public static func bestClip(in scene: Scene, scorer: some ClipScorer,
                                options: ClipSelectionOptions = ClipSelectionOptions()) throws -> ScoredClip? {
        var best: ScoredClip?
        for candidate in try candidates(in: scene, options: options) {
            let value: Double
            do {
                value = try scorer.score(candidate)
            } catch {
                throw DataError.scoringFailed(startFrame: candidate.startFrame, endFrame: candidate.endFrame, reason: "\(error)")
            }
            guard value.isFinite else {
                throw DataError.scoringFailed(startFrame: candidate.startFrame, endFrame: candidate.endFrame,
                                                  reason: "score \(value) is not finite")
            }
            if let current = best {
                let better = value > current.score
                    || (value == current.score && candidate.frameCount > current.clip.frameCount)
                    || (value == current.score && candidate.frameCount == current.clip.frameCount
                        && candidate.startFrame < current.clip.startFrame)
                if better { best = ScoredClip(clip: candidate, score: value) }
            } else {
                best = ScoredClip(clip: candidate, score: value)
            }
        }
        return best
    }

    /// The whole curation stage: drops scenes shorter than `minimumSceneSeconds` (3 s, the
    /// paper's filter) and picks the best clip of each remaining scene.
    public static func selectClips(from scenes: [Scene], scorer: some ClipScorer,
                                   minimumSceneSeconds: Double = 3,
                                   options: ClipSelectionOptions = ClipSelectionOptions()) throws -> [ScoredClip] {
        try Scene.droppingShort(scenes, minimumSeconds: minimumSceneSeconds).compactMap {
            try bestClip(in: $0, scorer: scorer, options: options)
        }
    }
}
