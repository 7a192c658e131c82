// Mirrors DiffSynth-Studio's Wan video input path: LoadVideo's 4k+1 frame rule and fps resampling,
// ImageCropAndResize (torchvision resize on PIL, BILINEAR, then center_crop), preprocess_video (x·2/255 − 1).
import VideoIO

/// Errors from preparing frames for Wan2.1.
public enum WanVideoError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Wan's VAE needs F = 4k+1 frames; other counts silently lose frames in the reference, so we refuse them.
    case frameCountNotFourKPlusOne(Int)
    /// The input frames or parameters are unusable (empty, mixed sizes, non-positive sizes or rates).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .frameCountNotFourKPlusOne(let count): return "Wan video: \(count) frames is not of the form 4k+1"
        case .invalidInput(let reason): return "Wan video: \(reason)"
        }
    }
}

/// A Wan pixel-space clip: float32 values in [−1, 1], row-major `[3, T, H, W]` (channel, frame, row, column).
public struct WanVideoTensor: Sendable, Equatable {
    /// `3 · T · H · W` values.
    public var values: [Float]
    /// `[3, T, H, W]`.
    public var shape: [Int]
}

/// Wan2.1 frame preparation: sizes rounded up to multiples of 16, frame counts of the form 4k+1.
public struct WanVideoProcessor: Sendable {
    /// Target height (rounded up to a multiple of 16 as DiffSynth's `check_resize_height_width` does).
    public let height: Int
    /// Target width (rounded up to a multiple of 16).
    public let width: Int

    /// Creates a processor for `height`×`width` (VANS renders 352×640).
    public init(height: Int = 352, width: Int = 640) throws(WanVideoError) {
        guard height > 0, width > 0, height <= 16384, width <= 16384 else {
            throw .invalidInput("target size \(width)×\(height) is outside 1…16384")
        }
        self.height = (height + 15) / 16 * 16
        self.width = (width + 15) / 16 * 16
    }

    /// True for 1, 5, 9, … — the counts Wan's causal VAE encodes without dropping frames.
    public static func isValidFrameCount(_ count: Int) -> Bool { count > 0 && count % 4 == 1 }

    /// DiffSynth `LoadVideo.get_num_frames`: `requested` if the video has that many, else the largest 4k+1 ≤ available.
    public static func frameCount(available: Int, requested: Int = 81) throws(WanVideoError) -> Int {
        guard isValidFrameCount(requested) else { throw .frameCountNotFourKPlusOne(requested) }
        guard available > 0 else { throw .invalidInput("the video has no frames") }
        guard available < requested else { return requested }
        var count = available
        while count > 1 && count % 4 != 1 { count -= 1 }
        return count
    }

    /// DiffSynth's fps resampling: frame i of the output is source frame round(i / targetFPS · sourceFPS)
    /// (half to even, as Python's `round`), clamped to the last frame.
    public static func resampledIndices(count: Int, sourceFPS: Double, targetFPS: Double,
                                        totalFrames: Int) throws(WanVideoError) -> [Int] {
        guard sourceFPS > 0, targetFPS > 0, totalFrames > 0, count >= 0 else {
            throw .invalidInput("resampling needs positive rates and frame counts")
        }
        return (0 ..< count).map { i in
            min(Int((Double(i) / targetFPS * sourceFPS).rounded(.toNearestOrEven)), totalFrames - 1)
        }
    }

    /// VANS reference frames: `round(linspace(0, total−1, n))` in float64 (numpy), so the last frame is included.
    public static func referenceIndices(totalFrames: Int, count: Int = 6) throws(WanVideoError) -> [Int] {
        guard totalFrames > 0, count > 0 else { throw .invalidInput("need a positive frame count and sample count") }
        guard count > 1 else { return [0] }
        let step = Double(totalFrames - 1) / Double(count - 1)
        // numpy.linspace: start + i·step, with the end point set exactly.
        return (0 ..< count).map { i in
            Int((i == count - 1 ? Double(totalFrames - 1) : Double(i) * step).rounded(.toNearestOrEven))
        }
    }

    /// DiffSynth `ImageCropAndResize`: scale by max(W/w, H/h), resize to (round(h·s), round(w·s)) with Pillow
    /// BILINEAR, then center-crop to the target (torchvision's crop offsets, rounded half to even).
    public func cropAndResize(_ frame: VideoFrame) -> VideoFrame {
        let scale = max(Double(width) / Double(frame.width), Double(height) / Double(frame.height))
        let scaledHeight = max(height, Int((Double(frame.height) * scale).rounded(.toNearestOrEven)))
        let scaledWidth = max(width, Int((Double(frame.width) * scale).rounded(.toNearestOrEven)))
        let scaled = scaledHeight == frame.height && scaledWidth == frame.width ? frame.pixels
            : Resampling.pillowResize(frame.pixels, width: frame.width, height: frame.height,
                                      toWidth: scaledWidth, height: scaledHeight, filter: .bilinear)
        let top = Int((Double(scaledHeight - height) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(scaledWidth - width) / 2).rounded(.toNearestOrEven))
        var cropped = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0 ..< height {
            let source = ((top + y) * scaledWidth + left) * 3
            cropped.replaceSubrange(y * width * 3 ..< (y + 1) * width * 3, with: scaled[source ..< source + width * 3])
        }
        return VideoFrame(width: width, height: height, pixels: cropped, timestamp: frame.timestamp, index: frame.index)
    }

    /// Converts frames (any count; call ``isValidFrameCount(_:)`` for clips the VAE encodes whole) to the
    /// `[3, T, H, W]` tensor, x·(2/255) − 1 in float32 as DiffSynth's `preprocess_image` computes it.
    /// Frames not already at the target size are cropped and resized first.
    public func tensor(from frames: [VideoFrame]) throws(WanVideoError) -> WanVideoTensor {
        guard !frames.isEmpty else { throw .invalidInput("no frames") }
        let prepared = frames.map { $0.width == width && $0.height == height ? $0 : cropAndResize($0) }
        let plane = height * width
        let count = prepared.count
        let scale = Float(2.0 / 255.0)
        var values = [Float](repeating: 0, count: 3 * count * plane)
        for (t, frame) in prepared.enumerated() {
            for position in 0 ..< plane {
                for channel in 0 ..< 3 {
                    values[(channel * count + t) * plane + position] = Float(frame.pixels[position * 3 + channel]) * scale - 1
                }
            }
        }
        return WanVideoTensor(values: values, shape: [3, count, height, width])
    }

    /// A clip for the VAE: requires 4k+1 frames, then ``tensor(from:)``.
    public func clip(from frames: [VideoFrame]) throws(WanVideoError) -> WanVideoTensor {
        guard Self.isValidFrameCount(frames.count) else { throw .frameCountNotFourKPlusOne(frames.count) }
        return try tensor(from: frames)
    }

    /// The whole input path on a file, as DiffSynth's `LoadVideo` does: the first
    /// ``frameCount(available:requested:)`` frames, cropped and resized, as a `[3, T, H, W]` clip.
    public func clip(path: String, requestedFrames: Int = 81) throws -> WanVideoTensor {
        let decoder = try VideoDecoder(path: path)
        let count = try Self.frameCount(available: decoder.info.frameCount, requested: requestedFrames)
        return try clip(from: decoder.frames(atIndices: Array(0 ..< count)))
    }
}
