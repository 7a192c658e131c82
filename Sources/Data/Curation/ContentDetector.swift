// Mirrors PySceneDetect 0.7's scenedetect.detectors.content_detector.ContentDetector
// (HSV frame differences; the edge component is not implemented, see `Weights`).

/// The per-frame metrics PySceneDetect writes to its stats file for the content detector.
public struct FrameScore: Sendable, Equatable, Codable {
    /// Index of the frame (0 is the first frame processed).
    public let frameIndex: Int
    /// Weighted mean of the components: the value compared against the threshold.
    public let contentValue: Double
    /// Mean absolute difference of OpenCV hue (0...179) against the previous frame.
    public let deltaHue: Double
    /// Mean absolute difference of saturation against the previous frame.
    public let deltaSaturation: Double
    /// Mean absolute difference of value (brightness) against the previous frame.
    public let deltaLuminance: Double
}

/// PySceneDetect's fast-cut detector: a frame is a cut candidate when the weighted mean of its
/// HSV channel differences from the previous frame reaches `threshold`; a `FlashFilter`
/// (merge mode by default) then enforces the minimum scene length.
public struct ContentDetector: Sendable {
    /// Component weights. PySceneDetect's fourth component (Canny edge differences, default
    /// weight 0) is not implemented, so only the three HSV weights exist.
    public struct Weights: Sendable, Equatable {
        public var hue: Double
        public var saturation: Double
        public var luminance: Double

        public init(hue: Double = 1, saturation: Double = 1, luminance: Double = 1) {
            self.hue = hue
            self.saturation = saturation
            self.luminance = luminance
        }

        /// PySceneDetect's defaults (1, 1, 1, edges 0).
        public static let standard = Weights()
        /// PySceneDetect's `luma_only` weights (0, 0, 1).
        public static let lumaOnly = Weights(hue: 0, saturation: 0, luminance: 1)
    }

    /// A frame is above threshold when its content value is ≥ this (default 27).
    public let threshold: Double
    /// The component weights.
    public let weights: Weights
    private var flashFilter: FlashFilter
    private var previous: HSVPlanes?
    private var nextFrameIndex = 0

    /// A detector with PySceneDetect's defaults unless overridden; `minimumSceneLength` is in frames.
    public init(threshold: Double = 27, minimumSceneLength: Int = 15, weights: Weights = .standard,
                filterMode: FlashFilter.Mode = .merge) throws {
        guard threshold.isFinite, threshold >= 0 else {
            throw CurationError.invalidOption(name: "threshold", value: "\(threshold)", reason: "must be a finite number ≥ 0")
        }
        guard minimumSceneLength >= 0 else {
            throw CurationError.invalidOption(name: "minimum scene length", value: "\(minimumSceneLength)", reason: "must be ≥ 0 frames")
        }
        let weightSum = abs(weights.hue) + abs(weights.saturation) + abs(weights.luminance)
        guard weightSum > 0, weightSum.isFinite else {
            throw CurationError.invalidOption(name: "weights", value: "\(weights)", reason: "need at least one non-zero finite weight")
        }
        self.threshold = threshold
        self.weights = weights
        self.flashFilter = FlashFilter(mode: filterMode, length: minimumSceneLength)
    }

    /// Scores the next frame (the first scores 0) and returns the score and any cuts it emits.
    /// The caller guarantees that every frame has the same size.
    public mutating func process(_ image: PackedImage) -> (score: FrameScore, cuts: [Int]) {
        let frameIndex = nextFrameIndex
        nextFrameIndex += 1
        let planes = OpenCVColor.hsv(image)
        var score = FrameScore(frameIndex: frameIndex, contentValue: 0, deltaHue: 0, deltaSaturation: 0, deltaLuminance: 0)
        if let previous {
            let hue = Self.meanAbsoluteDifference(planes.hue, previous.hue)
            let saturation = Self.meanAbsoluteDifference(planes.saturation, previous.saturation)
            let luminance = Self.meanAbsoluteDifference(planes.value, previous.value)
            // Same order of operations as Python's sum() over the four components (edges · 0).
            var weighted = 0.0
            weighted += hue * weights.hue
            weighted += saturation * weights.saturation
            weighted += luminance * weights.luminance
            weighted += 0.0
            let weightSum = abs(weights.hue) + abs(weights.saturation) + abs(weights.luminance) + 0.0
            score = FrameScore(frameIndex: frameIndex, contentValue: weighted / weightSum,
                               deltaHue: hue, deltaSaturation: saturation, deltaLuminance: luminance)
        }
        previous = planes
        let cuts = flashFilter.filter(frame: frameIndex, aboveThreshold: score.contentValue >= threshold)
        return (score, cuts)
    }

    /// Σ|a − b| / count, with the sum exact in integers as NumPy's int32 sum.
    static func meanAbsoluteDifference(_ left: [UInt8], _ right: [UInt8]) -> Double {
        var total = 0
        left.withUnsafeBufferPointer { a in
            right.withUnsafeBufferPointer { b in
                for index in 0..<a.count {
                    let difference = Int(a[index]) - Int(b[index])
                    total += difference < 0 ? -difference : difference
                }
            }
        }
        return Double(total) / Double(left.count)
    }
}
