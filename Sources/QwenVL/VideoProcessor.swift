// Mirrors qwen_vl_utils.vision_process (smart_nframes, smart_resize, fetch_video's budgets and resize) and
// transformers' Qwen2VLVideoProcessor (fused rescale+normalise, patchify) for Qwen2.5-VL videos.
import VideoIO

/// Model-ready video input: `pixelValues` is row-major `[rows, 3·temporalPatch·patch·patch]` float32 (the
/// processor's `pixel_values_videos`), rows ordered (t, h/merge, w/merge, merge_y, merge_x) and columns
/// (channel, temporal, patch_y, patch_x); `grid` is `video_grid_thw`.
public struct QwenVLVideoInput: Sendable, Equatable {
    /// Flattened patches, `shape[0] · shape[1]` values.
    public var pixelValues: [Float]
    /// `[grid.t · grid.h · grid.w, 1176]` for the default patch sizes.
    public var shape: [Int]
    /// `(T/temporalPatch, H/patch, W/patch)`.
    public var grid: (t: Int, h: Int, w: Int)
    /// The sampled frames' rate, `nframes / total · video_fps` (the processor's `fps` / `second_per_grid_ts` source).
    public var sampleFPS: Double

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.pixelValues == rhs.pixelValues && lhs.shape == rhs.shape && lhs.grid == rhs.grid && lhs.sampleFPS == rhs.sampleFPS
    }
}

/// Qwen2.5-VL's video preprocessing: frame sampling, smart resize, antialiased bicubic, CLIP normalisation, patches.
public struct QwenVLVideoProcessor: Sendable {
    /// Frames sampled per second of video (qwen-vl-utils default 2; VANS evaluates with 1).
    public var fps: Double = 2
    /// Lower bound on sampled frames (rounded up to even).
    public var minFrames = 4
    /// Upper bound on sampled frames (rounded down to even).
    public var maxFrames = 768
    /// Per-frame pixel floor (VIDEO_MIN_TOKEN_NUM · 28²).
    public var minPixels: Double = 128 * 28 * 28
    /// A caller's per-frame pixel cap; it can only lower the computed budget.
    public var maxPixels: Double?
    /// Whole-video pixel budget (MODEL_SEQ_LEN · 28² · 0.9).
    public var totalPixels: Double = 128_000 * 28 * 28 * 0.9
    /// Spatial patch size of the vision tower.
    public var patchSize = 14
    /// Spatial merge size (2×2 patches per LLM token).
    public var mergeSize = 2
    /// Frames per temporal patch (also the frame-count factor).
    public var temporalPatchSize = 2
    /// OpenAI CLIP mean, applied after x/255.
    public var imageMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    /// OpenAI CLIP std.
    public var imageStd: [Float] = [0.26862954, 0.26130258, 0.27577711]
    /// The transformers processor's own per-frame floor (preprocessor_config.json `min_pixels`; 3136 for the
    /// released checkpoints): frames qwen-vl-utils resized below it are resized again, in float.
    public var processorMinPixels: Double = 56 * 56
    /// The processor's own per-frame cap (preprocessor_config.json `max_pixels`, 16384 · 28²).
    public var processorMaxPixels: Double = 16_384 * 28 * 28

    /// Creates a processor with qwen-vl-utils' defaults except the sampling rate.
    public init(fps: Double = 2) { self.fps = fps }

    var factor: Int { patchSize * mergeSize }

    /// qwen-vl-utils `smart_nframes` for a video of `totalFrames` frames at `videoFPS`.
    public func frameCount(totalFrames: Int, videoFPS: Double) throws(QwenVLError) -> Int {
        guard totalFrames > 0, videoFPS > 0, videoFPS.isFinite, fps > 0 else {
            throw .invalidInput("need positive frame count and fps, got \(totalFrames) frames at \(videoFPS) fps (sampling \(fps))")
        }
        let step = Double(temporalPatchSize)
        let lower = (Double(minFrames) / step).rounded(.up) * step
        let upper = (Double(min(maxFrames, totalFrames)) / step).rounded(.down) * step
        var count = Double(totalFrames) / videoFPS * fps
        count = min(min(max(count, lower), upper), Double(totalFrames))
        let frames = Int((count / step).rounded(.down) * step)
        guard frames >= temporalPatchSize, frames <= totalFrames else {
            throw .frameCountOutOfRange(computed: frames, totalFrames: totalFrames)
        }
        return frames
    }

    /// `torch.linspace(0, total−1, count).round().long()` bit for bit: float32 step, the two-sided formula with
    /// fused multiply-add as PyTorch's AVX2 kernel computes it, then round half to even.
    public static func linspaceIndices(totalFrames: Int, count: Int) -> [Int] {
        guard count > 1 else { return count == 1 ? [0] : [] }
        let end = Float(totalFrames - 1)
        let step = Double(end / Float(count - 1))
        let halfway = count / 2
        return (0 ..< count).map { i in
            let value = i < halfway ? Float(step * Double(i)) : Float(Double(end) - step * Double(count - i - 1))
            return Int(value.rounded(.toNearestOrEven))
        }
    }

    /// The frame indices fetch_video keeps, and the resulting sample rate.
    public func sampledIndices(totalFrames: Int, videoFPS: Double) throws(QwenVLError) -> (indices: [Int], sampleFPS: Double) {
        let count = try frameCount(totalFrames: totalFrames, videoFPS: videoFPS)
        return (Self.linspaceIndices(totalFrames: totalFrames, count: count), Double(count) / Double(totalFrames) * videoFPS)
    }

    /// fetch_video's per-frame budget for `frameCount` sampled frames: (min_pixels, max_pixels).
    public func pixelBudget(frameCount: Int) -> (min: Double, max: Double) {
        let frameMax = Double(768 * factor * factor)
        var maximum = max(min(frameMax, totalPixels / Double(frameCount) * Double(temporalPatchSize)),
                          (minPixels * 1.05).rounded(.towardZero))
        if let cap = maxPixels { maximum = min(cap, maximum) }
        return (minPixels, maximum)
    }

    /// qwen-vl-utils `smart_resize`: both sides multiples of `factor`, area within [minPixels, maxPixels].
    public static func smartResize(height: Int, width: Int, factor: Int, minPixels: Double,
                                   maxPixels: Double) throws(QwenVLError) -> (height: Int, width: Int) {
        guard maxPixels >= minPixels else { throw .pixelBudgetInverted(minPixels: minPixels, maxPixels: maxPixels) }
        guard height > 0, width > 0 else { throw .invalidInput("frame size \(width)×\(height) is empty") }
        guard Double(max(height, width)) / Double(min(height, width)) <= 200 else {
            throw .aspectRatioTooLarge(height: height, width: width)
        }
        let f = Double(factor)
        var h = max(f, (Double(height) / f).rounded(.toNearestOrEven) * f)
        var w = max(f, (Double(width) / f).rounded(.toNearestOrEven) * f)
        if h * w > maxPixels {
            let beta = (Double(height * width) / maxPixels).squareRoot()
            h = (Double(height) / beta / f).rounded(.down) * f
            w = (Double(width) / beta / f).rounded(.down) * f
        } else if h * w < minPixels {
            let beta = (minPixels / Double(height * width)).squareRoot()
            h = (Double(height) * beta / f).rounded(.up) * f
            w = (Double(width) * beta / f).rounded(.up) * f
        }
        // The floor branch can reach 0 for very thin frames (qwen-vl-utils then fails inside the resampler).
        guard h >= f, w >= f else {
            throw .invalidInput("frame size \(width)×\(height) shrinks to \(Int(w))×\(Int(h)) under max_pixels \(maxPixels)")
        }
        return (Int(h), Int(w))
    }

    /// The size fetch_video resizes `frameCount` frames of `height`×`width` to.
    public func resizedSize(height: Int, width: Int, frameCount: Int) throws(QwenVLError) -> (height: Int, width: Int) {
        let budget = pixelBudget(frameCount: frameCount)
        return try Self.smartResize(height: height, width: width, factor: factor, minPixels: budget.min, maxPixels: budget.max)
    }

    /// fetch_video's resize of already-sampled frames: torchvision antialiased bicubic to the smart-resized size.
    public func resize(_ frames: [VideoFrame]) throws(QwenVLError) -> [VideoFrame] {
        guard let first = frames.first else { throw .invalidInput("no frames to resize") }
        guard frames.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            throw .invalidInput("frames have different sizes")
        }
        let size = try resizedSize(height: first.height, width: first.width, frameCount: frames.count)
        return frames.map { frame in
            var resized = frame
            resized.pixels = Resampling.antialiasedBicubic(frame.pixels, width: frame.width, height: frame.height,
                                                           toWidth: size.width, height: size.height)
            resized.width = size.width
            resized.height = size.height
            return resized
        }
    }

    /// The processor's fused rescale+normalise and patchify of resized frames (sides multiples of 28). An odd
    /// frame count is padded by repeating the last frame, as the processor does.
    public func patches(fromResized frames: [VideoFrame], sampleFPS: Double) throws(QwenVLError) -> QwenVLVideoInput {
        guard let first = frames.first else { throw .invalidInput("no frames to patchify") }
        guard frames.allSatisfy({ $0.width == first.width && $0.height == first.height }) else {
            throw .invalidInput("frames have different sizes")
        }
        return try patches(fromPlanes: frames.map { $0.pixels.map(Float.init) }, height: first.height,
                           width: first.width, sampleFPS: sampleFPS)
    }

    /// Patchify of float32 HWC frames in 0…255 (the processor's input after its own float resize).
    func patches(fromPlanes planes: [[Float]], height: Int, width: Int, sampleFPS: Double) throws(QwenVLError) -> QwenVLVideoInput {
        guard !planes.isEmpty else { throw .invalidInput("no frames to patchify") }
        guard height % factor == 0, width % factor == 0, height > 0, width > 0 else {
            throw .invalidInput("resized size \(width)×\(height) is not a multiple of \(factor)")
        }
        var padded = planes
        while padded.count % temporalPatchSize != 0 { padded.append(padded[padded.count - 1]) }
        // transformers fuses x/255 into the statistics: (x − 255·mean) / (255·std), all in float32.
        let mean = imageMean.map { $0 * Float(255) }
        let std = imageStd.map { $0 * Float(255) }
        let (p, m, tp) = (patchSize, mergeSize, temporalPatchSize)
        let grid = (t: padded.count / tp, h: height / p, w: width / p)
        let columns = 3 * tp * p * p
        let rows = grid.t * grid.h * grid.w
        var values = [Float](repeating: 0, count: rows * columns)
        var row = 0
        // rows (t, blockY, blockX, mergeY, mergeX); columns (channel, temporal, patchY, patchX)
        for t in 0 ..< grid.t {
            for blockY in 0 ..< grid.h / m {
                for blockX in 0 ..< grid.w / m {
                    for mergeY in 0 ..< m {
                        for mergeX in 0 ..< m {
                            var column = row * columns
                            for channel in 0 ..< 3 {
                                for temporal in 0 ..< tp {
                                    let pixels = padded[t * tp + temporal]
                                    for patchY in 0 ..< p {
                                        let y = (blockY * m + mergeY) * p + patchY
                                        for patchX in 0 ..< p {
                                            let x = (blockX * m + mergeX) * p + patchX
                                            values[column] = (pixels[(y * width + x) * 3 + channel] - mean[channel]) / std[channel]
                                            column += 1
                                        }
                                    }
                                }
                            }
                            row += 1
                        }
                    }
                }
            }
        }
        return QwenVLVideoInput(pixelValues: values, shape: [rows, columns], grid: grid, sampleFPS: sampleFPS)
    }

    /// The whole video path on a file: sample indices from the stream's frame count and fps, decode those
    /// frames, resize and patchify.
    public func process(path: String) throws -> QwenVLVideoInput {
        let decoder = try VideoDecoder(path: path)
        let (indices, sampleFPS) = try sampledIndices(totalFrames: decoder.info.frameCount, videoFPS: decoder.info.fps)
        let frames = try decoder.frames(atIndices: indices)
        return try patches(fromSampled: frames, sampleFPS: sampleFPS)
    }

    /// The same path on a video already decoded in full (`frames` is every frame of the stream, in order, at
    /// `videoFPS`): qwen-vl-utils' reader samples `frames[indices]`, then resize and patchify.
    public func process(frames: [VideoFrame], videoFPS: Double) throws(QwenVLError) -> QwenVLVideoInput {
        let (indices, sampleFPS) = try sampledIndices(totalFrames: frames.count, videoFPS: videoFPS)
        return try patches(fromSampled: indices.map { frames[$0] }, sampleFPS: sampleFPS)
    }
}
