// Mirrors transformers' Qwen2_5_VLProcessor (processing_qwen2_5_vl.py) fed by qwen-vl-utils'
// process_vision_info: chat template → pad-token expansion from the grids → token ids, plus the vision tensors
// and `second_per_grid_ts`.
import Foundation
import Tokenizers
import VideoIO

/// Everything the model needs for one prompt, in the processor's names and layouts.
public struct QwenVLPrompt: Sendable, Equatable {
    /// The rendered chat prompt before pad-token expansion (`apply_chat_template(..., tokenize=False)`).
    public var prompt: String
    /// `input_ids`: the expanded prompt, tokenised.
    public var inputIDs: [Int]
    /// `pixel_values_videos` and `video_grid_thw`, when the prompt has a video.
    public var video: QwenVLVideoInput?
    /// `pixel_values` and `image_grid_thw`, when the prompt has an image.
    public var image: QwenVLImageInput?
    /// Frames per temporal patch of the video processor that made `video`.
    public var temporalPatchSize = 2

    /// `second_per_grid_ts`: seconds per temporal patch, `temporalPatch / sampleFPS`, one per video. The processor
    /// returns it as a float32 tensor, so this is rounded to float32 as the model sees it.
    public var secondPerGridTs: [Float] {
        guard let video else { return [] }
        return [Float(Double(temporalPatchSize) / video.sampleFPS)]
    }

    /// `video_grid_thw` as a ``VisionGrid``.
    public var videoGrid: VisionGrid? {
        video.map { VisionGrid(temporal: $0.grid.t, height: $0.grid.h, width: $0.grid.w) }
    }
}

/// Turns a question and a video (file or decoded frames) and/or an image into ``QwenVLPrompt``, with the same
/// ids and tensors as `Qwen2_5_VLProcessor` on the frames qwen-vl-utils hands it.
///
/// ```swift
/// let processor = QwenVLProcessor(tokenizer: try Tokenizer(directory: modelDirectory))   // paper profile: fps 1
/// let input = try processor.prepare(question: "What happens next?", videoPath: "clip.mp4")
/// ```
public struct QwenVLProcessor: Sendable {
    /// Sampling and pixel-budget knobs; the defaults are the paper's evaluation protocol.
    public struct Options: Sendable, Equatable {
        /// Frames sampled per second of video (the paper evaluates with 1; qwen-vl-utils' default is 2).
        public var fps: Double = 1
        /// Fewest frames to sample (qwen-vl-utils FPS_MIN_FRAMES).
        public var minFrames = 4
        /// Most frames to sample (qwen-vl-utils FPS_MAX_FRAMES).
        public var maxFrames = 768
        /// Per-frame pixel floor for videos (128 · 28²).
        public var videoMinPixels: Double = 128 * 28 * 28
        /// A per-frame pixel cap for videos; it can only lower the budget qwen-vl-utils computes.
        public var videoMaxPixels: Double?
        /// Whole-video pixel budget (128000 · 28² · 0.9).
        public var videoTotalPixels: Double = 128_000 * 28 * 28 * 0.9
        /// Per-image pixel floor (4 · 28²).
        public var imageMinPixels: Double = 4 * 28 * 28
        /// Per-image pixel cap (16384 · 28²).
        public var imageMaxPixels: Double = 16_384 * 28 * 28
        /// The processor's own floor from preprocessor_config.json (`min_pixels`, 3136 for the released
        /// checkpoints); frames resized below it by the budgets above are resized again, as transformers does.
        public var processorMinPixels: Double = 56 * 56
        /// The processor's own cap from preprocessor_config.json (`max_pixels`, 16384 · 28²).
        public var processorMaxPixels: Double = 16_384 * 28 * 28

        /// The paper's evaluation protocol: video at 1 fps, qwen-vl-utils' pixel budgets.
        public static let paperEvaluation = Options()

        public init() {}
    }

    /// The tokenizer of the checkpoint (its added tokens must include the vision and chat tokens).
    public let tokenizer: Tokenizer
    /// The system turn; `nil` leaves the template's default "You are a helpful assistant.".
    public var systemPrompt: String?
    /// The sampling knobs this processor was built with.
    public let options: Options
    /// The video path (sampling, resize, patches).
    public var videoProcessor: QwenVLVideoProcessor
    /// The image path.
    public var imageProcessor: QwenVLImageProcessor
    /// The ChatML template the prompt is rendered with.
    public var template = ChatTemplate()

    /// - Parameters:
    ///   - systemPrompt: the system turn; the VANS prompt is ``ChatTemplate/vansSystemPrompt`` (the default).
    ///   - vision: the model's vision configuration, whose patch, temporal patch and merge sizes the patches must
    ///     follow (nil: Qwen2.5-VL's 14, 2 and 2).
    public init(tokenizer: Tokenizer, options: Options = .paperEvaluation,
                systemPrompt: String? = ChatTemplate.vansSystemPrompt, vision: QwenVisionConfiguration? = nil) {
        self.tokenizer = tokenizer
        self.systemPrompt = systemPrompt
        self.options = options
        var video = QwenVLVideoProcessor(fps: options.fps)
        video.minFrames = options.minFrames
        video.maxFrames = options.maxFrames
        video.minPixels = options.videoMinPixels
        video.maxPixels = options.videoMaxPixels
        video.totalPixels = options.videoTotalPixels
        video.processorMinPixels = options.processorMinPixels
        video.processorMaxPixels = options.processorMaxPixels
        if let vision {
            video.patchSize = vision.patchSize
            video.temporalPatchSize = vision.temporalPatchSize
            video.mergeSize = vision.spatialMergeSize
        }
        videoProcessor = video
        var image = QwenVLImageProcessor()
        image.minPixels = options.imageMinPixels
        image.maxPixels = options.imageMaxPixels
        image.patchifier = video
        imageProcessor = image
    }

    /// The conversation for one question: the system turn (if any), then a user turn with the image, the video
    /// and the question, in that order.
    public func messages(question: String, hasVideo: Bool, hasImage: Bool) -> [ChatMessage] {
        var content: [ChatContent] = []
        if hasImage { content.append(.image) }
        if hasVideo { content.append(.video) }
        content.append(.text(question))
        let user = ChatMessage(role: .user, content: content)
        guard let systemPrompt else { return [user] }
        return [ChatMessage(role: .system, text: systemPrompt), user]
    }

    /// Renders, expands and tokenises a prompt around already-processed vision inputs.
    public func prepare(question: String, video: QwenVLVideoInput? = nil, image: QwenVLImageInput? = nil) throws -> QwenVLPrompt {
        let prompt = template.render(messages(question: question, hasVideo: video != nil, hasImage: image != nil),
                                     addGenerationPrompt: true)
        let videoGrids = video.map { [VisionGrid(temporal: $0.grid.t, height: $0.grid.h, width: $0.grid.w)] } ?? []
        let expanded = try template.expandVisionPlaceholders(
            in: prompt, imageGrids: image.map { [$0.grid] } ?? [], videoGrids: videoGrids,
            mergeSize: videoProcessor.mergeSize)
        let ids = try tokenizer.encode(expanded, addSpecialTokens: true)
        return QwenVLPrompt(prompt: prompt, inputIDs: ids, video: video, image: image,
                            temporalPatchSize: videoProcessor.temporalPatchSize)
    }

    /// The whole path from decoded frames: `frames` is every frame of the video at `videoFPS`.
    public func prepare(question: String, frames: [VideoFrame], videoFPS: Double, image: VideoFrame? = nil) throws -> QwenVLPrompt {
        let video = try videoProcessor.process(frames: frames, videoFPS: videoFPS)
        return try prepare(question: question, video: video, image: image.map { try imageProcessor.process($0) })
    }

    /// The whole path from files (decoded with FFmpeg); either may be absent, for an image-only or text-only prompt.
    public func prepare(question: String, videoPath: String?, imagePath: String? = nil) throws -> QwenVLPrompt {
        let video = try videoPath.map { try videoProcessor.process(path: $0) }
        let image = try imagePath.map { try imageProcessor.process(path: $0) }
        return try prepare(question: question, video: video, image: image)
    }
}
