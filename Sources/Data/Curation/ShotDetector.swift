// Mirrors the per-frame path of PySceneDetect 0.7's SceneManager (scene_manager.py):
// downscale, detect, collect unique sorted cuts, build [start, end) scenes.

/// Options of shot detection; the defaults are PySceneDetect's.
public struct ShotDetectionOptions: Sendable, Equatable {
    /// Content-value threshold for a cut (PySceneDetect default 27).
    public var threshold: Double = 27
    /// Minimum scene length in frames (PySceneDetect's Python API default 15).
    public var minimumSceneLength: Int = 15
    /// Detector component weights.
    public var weights: ContentDetector.Weights = .standard
    /// How close cuts are filtered.
    public var filterMode: FlashFilter.Mode = .merge
    /// Compute the edge component even when its weight is 0, as PySceneDetect does when it
    /// collects stats (slower; `FrameScore.deltaEdges` stays 0 otherwise).
    public var computeEdges = false
    /// Edge dilation size (odd, ≥ 3); nil picks PySceneDetect's automatic size.
    public var kernelSize: Int? = nil
    /// Frames whose larger side reaches this are downscaled so that side becomes it, as
    /// SceneManager's auto-downscale does (256); nil processes full-resolution frames.
    public var downscaleToWidth: Int? = 256

    public init() {}
}

/// The outcome of shot detection over one video.
public struct ShotDetectionResult: Sendable, Equatable {
    /// Frame rate used to turn frame indices into seconds.
    public let framesPerSecond: Double
    /// Number of frames processed.
    public let frameCount: Int
    /// Sorted, unique first-frame indices of each new scene.
    public let cuts: [Int]
    /// Per-frame metrics, one per processed frame.
    public let scores: [FrameScore]

    /// Scenes spanning the video: `[start, end)` frame ranges split at the cuts. With no cuts
    /// this is one scene covering every frame (PySceneDetect's `start_in_scene=True`); pass
    /// `startInScene: false` for its default empty list.
    public func scenes(startInScene: Bool = true) -> [Scene] {
        Scene.scenes(fromCuts: cuts, frameCount: frameCount, framesPerSecond: framesPerSecond, startInScene: startInScene)
    }
}

/// Streams frames through a `ContentDetector` as PySceneDetect's SceneManager does.
public struct ShotDetector: Sendable {
    /// The options in use.
    public let options: ShotDetectionOptions
    /// Frame rate of the video being processed.
    public let framesPerSecond: Double
    private var detector: ContentDetector
    private var firstSize: (width: Int, height: Int)?
    private var cuts = Set<Int>()
    private var scores: [FrameScore] = []

    /// A detector for a video at `framesPerSecond` frames per second.
    public init(options: ShotDetectionOptions = ShotDetectionOptions(), framesPerSecond: Double) throws {
        guard framesPerSecond.isFinite, framesPerSecond > 0 else {
            throw DataError.invalidOption(name: "frame rate", value: "\(framesPerSecond)", reason: "must be a positive number")
        }
        if let width = options.downscaleToWidth, width <= 0 {
            throw DataError.invalidOption(name: "downscale width", value: "\(width)", reason: "must be positive")
        }
        self.options = options
        self.framesPerSecond = framesPerSecond
        self.detector = try ContentDetector(threshold: options.threshold, minimumSceneLength: options.minimumSceneLength,
                                            weights: options.weights, filterMode: options.filterMode,
                                            computeEdges: options.computeEdges, kernelSize: options.kernelSize)
    }

    /// Processes the next frame; returns the cuts it emitted (possibly earlier frames).
    @discardableResult
    public mutating func process(_ frame: PackedImage) throws -> [Int] {
        if let firstSize {
            guard frame.width == firstSize.width, frame.height == firstSize.height else {
                throw DataError.frameSizeChanged(frameIndex: scores.count, expected: "\(firstSize.width)×\(firstSize.height)",
                                                     actual: frame.sizeDescription)
            }
        } else {
            firstSize = (frame.width, frame.height)
        }
        var image = frame
        if let effectiveWidth = options.downscaleToWidth {
            let size = OpenCVResize.sceneManagerSize(width: frame.width, height: frame.height, effectiveWidth: effectiveWidth)
            if size.width != frame.width || size.height != frame.height {
                image = try OpenCVResize.linear(frame, width: size.width, height: size.height)
            }
        }
        let (score, newCuts) = detector.process(image)
        scores.append(score)
        cuts.formUnion(newCuts)
        return newCuts
    }

    /// The cuts and scores so far.
    public func result() -> ShotDetectionResult {
        ShotDetectionResult(framesPerSecond: framesPerSecond, frameCount: scores.count, cuts: cuts.sorted(), scores: scores)
    }

    /// Detects shots in a whole sequence of frames.
    public static func detect<Frames: Sequence>(_ frames: Frames, framesPerSecond: Double,
                                                options: ShotDetectionOptions = ShotDetectionOptions()) throws -> ShotDetectionResult
    where Frames.Element == PackedImage {
        var detector = try ShotDetector(options: options, framesPerSecond: framesPerSecond)
        for frame in frames { try detector.process(frame) }
        return detector.result()
    }
}
