// A simple, documented visual-quality score for clips, standing in for the paper's
// model-based selector until a model scores clips.
import Foundation

/// Scores a clip from a few evenly spaced frames:
///
///     score = log(1 + sharpness) · exposure · motion
///
/// - sharpness: mean over the sampled frames of the variance of the 4-neighbour Laplacian of
///   the BT.601 luma (blurred or flat frames have little high-frequency energy);
/// - exposure: 0 for a mean luma ≤ 16 (near black) or ≥ 240 (blown out), rising linearly to 1
///   at 64 and falling from 1 at 192, so dark and washed-out clips lose;
/// - motion: with m the mean absolute luma difference between consecutive samples,
///   0.5 + 0.5·min(m, 1): a static clip keeps only half its score.
public struct VisualQualityScorer: ClipScorer {
    /// Frames sampled per clip (at `round(linspace(start, end − 1, n))`).
    public let samplesPerClip: Int
    private let frameAt: (Int) throws -> PackedImage

    /// A scorer reading frame `i` of the video through `frameAt`.
    public init(samplesPerClip: Int = 4, frameAt: @escaping (Int) throws -> PackedImage) throws {
        guard samplesPerClip >= 2 else {
            throw DataError.invalidOption(name: "samples per clip", value: "\(samplesPerClip)", reason: "need at least 2 to measure motion")
        }
        self.samplesPerClip = samplesPerClip
        self.frameAt = frameAt
    }

    public func score(_ clip: ClipCandidate) throws -> Double {
        let last = clip.endFrame - 1
        let indices = (0..<samplesPerClip).map { sample in
            clip.startFrame + Int((Double(sample) * Double(last - clip.startFrame) / Double(samplesPerClip - 1)).rounded())
        }
        var sharpness = 0.0
        var brightness = 0.0
        var motion = 0.0
        var previous: [UInt8]?
        for index in indices {
            let frame = try frameAt(index)
            let luma = frame.luma()
            sharpness += Self.laplacianVariance(luma, width: frame.width, height: frame.height)
            brightness += Self.mean(luma)
            if let previous {
                guard previous.count == luma.count else {
                    throw DataError.frameSizeChanged(frameIndex: index, expected: "\(previous.count) pixels", actual: frame.sizeDescription)
                }
                motion += ContentDetector.meanAbsoluteDifference(luma, previous)
            }
            previous = luma
        }
        let count = Double(indices.count)
        return Self.combine(sharpness: sharpness / count, meanLuma: brightness / count, motion: motion / (count - 1))
    }

    /// The documented combination of the three measurements.
    public static func combine(sharpness: Double, meanLuma: Double, motion: Double) -> Double {
        let rising = min(max((meanLuma - 16) / 48, 0), 1)
        let falling = min(max((240 - meanLuma) / 48, 0), 1)
        let motionFactor = 0.5 + 0.5 * min(motion, 1)
        return log1p(sharpness) * rising * falling * motionFactor
    }

    /// Variance of the 4-neighbour Laplacian over interior pixels (0 for images under 3×3).
    static func laplacianVariance(_ luma: [UInt8], width: Int, height: Int) -> Double {
        guard width >= 3, height >= 3 else { return 0 }
        var sum = 0.0
        var sumOfSquares = 0.0
        luma.withUnsafeBufferPointer { pixels in
            for y in 1..<(height - 1) {
                for x in 1..<(width - 1) {
                    let center = y * width + x
                    let response = Int(pixels[center - 1]) + Int(pixels[center + 1]) + Int(pixels[center - width])
                        + Int(pixels[center + width]) - 4 * Int(pixels[center])
                    sum += Double(response)
                    sumOfSquares += Double(response * response)
                }
            }
        }
        let count = Double((width - 2) * (height - 2))
        let mean = sum / count
        return max(0, sumOfSquares / count - mean * mean)
    }

    static func mean(_ values: [UInt8]) -> Double {
        var total = 0
        for value in values { total += Int(value) }
        return Double(total) / Double(max(values.count, 1))
    }
}
