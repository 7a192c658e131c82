// Mirrors PySceneDetect 0.7's scenedetect.detectors.content_detector.ContentDetector
// (HSV and edge-map frame differences, weights and FlashFilter).

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
    /// Mean absolute difference of the dilated edge maps (0 when edges are not computed).
    public let deltaEdges: Double
}

/// PySceneDetect's fast-cut detector: a frame is a cut candidate when the weighted mean of its
/// HSV channel differences from the previous frame reaches `threshold`; a `FlashFilter`
/// (merge mode by default) then enforces the minimum scene length.
public struct ContentDetector: Sendable {
    /// Component weights (PySceneDetect's `Components`).
    public struct Weights: Sendable, Equatable {
        public var hue: Double
        public var saturation: Double
        public var luminance: Double
        public var edges: Double

        public init(hue: Double = 1, saturation: Double = 1, luminance: Double = 1, edges: Double = 0) {
            self.hue = hue
            self.saturation = saturation
            self.luminance = luminance
            self.edges = edges
        }

        var absoluteSum: Double { 0 + abs(hue) + abs(saturation) + abs(luminance) + abs(edges) }

        /// PySceneDetect's defaults (1, 1, 1, edges 0).
        public static let standard = Weights()
        /// PySceneDetect's `luma_only` weights (0, 0, 1).
        public static let lumaOnly = Weights(hue: 0, saturation: 0, luminance: 1, edges: 0)
    }

    /// A frame is above threshold when its content value is ≥ this (default 27).
    public let threshold: Double
    /// The component weights.
    public let weights: Weights
    /// Whether edge maps are computed (always when the edge weight is non-zero; PySceneDetect
    /// also computes them whenever a stats manager is attached).
    public let computesEdges: Bool
    private var kernelSize: Int?
    private var flashFilter: FlashFilter
    private var previous: HSVPlanes?
    private var previousEdges: [UInt8]?
    private var nextFrameIndex = 0

    /// A detector with PySceneDetect's defaults unless overridden; `minimumSceneLength` is in
    /// frames; `kernelSize` (odd, ≥ 3) is the edge dilation, automatic from the frame size when nil.
    public init(threshold: Double = 27, minimumSceneLength: Int = 15, weights: Weights = .standard,
                filterMode: FlashFilter.Mode = .merge, computeEdges: Bool = false, kernelSize: Int? = nil) throws {
        guard threshold.isFinite, threshold >= 0 else {
            throw DataError.invalidOption(name: "threshold", value: "\(threshold)", reason: "must be a finite number ≥ 0")
        }
        guard minimumSceneLength >= 0 else {
            throw DataError.invalidOption(name: "minimum scene length", value: "\(minimumSceneLength)", reason: "must be ≥ 0 frames")
        }
        if let kernelSize, kernelSize < 3 || kernelSize % 2 == 0 {
            throw DataError.invalidOption(name: "kernel size", value: "\(kernelSize)", reason: "must be an odd integer ≥ 3")
        }
        let weightSum = weights.absoluteSum
        guard weightSum > 0, weightSum.isFinite else {
            throw DataError.invalidOption(name: "weights", value: "\(weights)", reason: "need at least one non-zero finite weight")
        }
        self.threshold = threshold
        self.weights = weights
        self.computesEdges = computeEdges || weights.edges != 0
        self.kernelSize = kernelSize
        self.flashFilter = FlashFilter(mode: filterMode, length: minimumSceneLength)
    }

    /// Scores the next frame (the first scores 0) and returns the score and any cuts it emits.
    /// The caller guarantees that every frame has the same size.
    public mutating func process(_ image: PackedImage) -> (score: FrameScore, cuts: [Int]) {
        let frameIndex = nextFrameIndex
        nextFrameIndex += 1
        let planes = OpenCVColor.hsv(image)
        var edges: [UInt8]?
        if computesEdges {
            let size = kernelSize ?? EdgeMap.kernelSize(width: image.width, height: image.height)
            kernelSize = size
            edges = EdgeMap.detect(planes.value, width: image.width, height: image.height, kernelSize: size)
        }
        var score = FrameScore(frameIndex: frameIndex, contentValue: 0, deltaHue: 0, deltaSaturation: 0,
                               deltaLuminance: 0, deltaEdges: 0)
        if let previous {
            let hue = Self.meanAbsoluteDifference(planes.hue, previous.hue)
            let saturation = Self.meanAbsoluteDifference(planes.saturation, previous.saturation)
            let luminance = Self.meanAbsoluteDifference(planes.value, previous.value)
            var edgeDelta = 0.0
            if let edges, let previousEdges { edgeDelta = Self.meanAbsoluteDifference(edges, previousEdges) }
            // Same order of operations as Python's sum() over the four components.
            var weighted = 0.0
            weighted += hue * weights.hue
            weighted += saturation * weights.saturation
            weighted += luminance * weights.luminance
            weighted += edgeDelta * weights.edges
            score = FrameScore(frameIndex: frameIndex, contentValue: weighted / weights.absoluteSum, deltaHue: hue,
                               deltaSaturation: saturation, deltaLuminance: luminance, deltaEdges: edgeDelta)
        }
        previous = planes
        previousEdges = edges
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
