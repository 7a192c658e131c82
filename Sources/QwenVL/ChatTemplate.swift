// Mirrors Qwen2.5-VL's chat_template.json (the ChatML jinja template) and the pad-token expansion of
// transformers' Qwen2_5_VLProcessor (replace_image_token / replace_video_token).

/// One piece of a message: text, or the place where an image or a video goes.
public enum ChatContent: Sendable, Equatable {
    case text(String)
    case image
    case video
}

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// Who speaks.
    public enum Role: String, Sendable, Equatable {
        case system, user, assistant
    }

    public var role: Role
    public var content: [ChatContent]

    public init(role: Role, content: [ChatContent]) {
        self.role = role
        self.content = content
    }

    /// A text-only turn (the template renders a plain string and a single text item identically).
    public init(role: Role, text: String) {
        self.init(role: role, content: [.text(text)])
    }
}

/// The (t, h, w) patch grid of one image or video, as the image/video processor reports it (`grid_thw`).
public struct VisionGrid: Sendable, Equatable {
    public var temporal: Int
    public var height: Int
    public var width: Int

    public init(temporal: Int, height: Int, width: Int) {
        self.temporal = temporal
        self.height = height
        self.width = width
    }

    /// Tokens the language model sees: t·h·w / mergeSize², one per merged 2×2 block of patches.
    public func tokenCount(mergeSize: Int = 2) -> Int {
        temporal * height * width / (mergeSize * mergeSize)
    }
}

/// Qwen2.5-VL's ChatML prompt format.
///
/// ```
/// <|im_start|>system\nYou are a helpful assistant.<|im_end|>\n
/// <|im_start|>user\n<|vision_start|><|video_pad|><|vision_end|>What happens next?<|im_end|>\n
/// <|im_start|>assistant\n
/// ```
/// When the first message is not a system message, the template inserts the default system turn.
/// ``expandVisionPlaceholders(in:imageGrids:videoGrids:mergeSize:)`` then repeats each pad token as many times
/// as the vision tower will emit features for it.
public struct ChatTemplate: Sendable {
    /// The system turn the template inserts when a conversation does not start with one.
    public static let defaultSystemPrompt = "You are a helpful assistant."
    /// VANS's evaluation system prompt (paper, Appendix C.2), verbatim including the typographic apostrophe in
    /// "user’s"; the same sentence as `VANS.AnswerFormat.paperSystemPrompt`.
    public static let vansSystemPrompt =
        "You will be given a video. Your task is to predict the next event based on the input video and the "
        + "user\u{2019}s instructions. Please begin by providing your detailed reasoning between the [Think]/[/Think] "
        + "tags, followed by your detailed description of the next event within the [Ans]/[/Ans] tags."
    public static let imStart = "<|im_start|>"
    public static let imEnd = "<|im_end|>"
    public static let visionStart = "<|vision_start|>"
    public static let visionEnd = "<|vision_end|>"
    public static let imagePad = "<|image_pad|>"
    public static let videoPad = "<|video_pad|>"

    public init() {}

    /// The prompt string, as `apply_chat_template(messages, tokenize=False, ...)` renders it.
    /// - Parameters:
    ///   - addGenerationPrompt: end with an open assistant turn for the model to complete.
    ///   - addVisionIdentifiers: prefix each image with "Picture k: " and each video with "Video k: "
    ///     (the template's `add_vision_id`), counting across the whole conversation.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, addVisionIdentifiers: Bool = false) -> String {
        var output = ""
        var imageCount = 0
        var videoCount = 0
        for (index, message) in messages.enumerated() {
            if index == 0 && message.role != .system {
                output += "\(Self.imStart)system\n\(Self.defaultSystemPrompt)\(Self.imEnd)\n"
            }
            output += "\(Self.imStart)\(message.role.rawValue)\n"
            for content in message.content {
                switch content {
                case .text(let text):
                    output += text
                case .image:
                    imageCount += 1
                    if addVisionIdentifiers { output += "Picture \(imageCount): " }
                    output += Self.visionStart + Self.imagePad + Self.visionEnd
                case .video:
                    videoCount += 1
                    if addVisionIdentifiers { output += "Video \(videoCount): " }
                    output += Self.visionStart + Self.videoPad + Self.visionEnd
                }
            }
            output += "\(Self.imEnd)\n"
        }
        if addGenerationPrompt { output += "\(Self.imStart)assistant\n" }
        return output
    }

    /// Replaces the k-th `<|image_pad|>` by `imageGrids[k].tokenCount` copies and likewise for videos, in the
    /// order they appear, as the processor does before tokenising.
    public func expandVisionPlaceholders(
        in prompt: String, imageGrids: [VisionGrid], videoGrids: [VisionGrid], mergeSize: Int = 2
    ) throws -> String {
        for (kind, grids) in [("image", imageGrids), ("video", videoGrids)] {
            for (index, grid) in grids.enumerated()
            where grid.temporal <= 0 || grid.height <= 0 || grid.width <= 0 || mergeSize <= 0
                || grid.height % mergeSize != 0 || grid.width % mergeSize != 0 {
                throw QwenVLError.invalidGrid(
                    kind: kind, index: index, grid: [grid.temporal, grid.height, grid.width], mergeSize: mergeSize)
            }
        }
        // Work on bytes: a combining character after a token must not hide it inside a Character.
        let bytes = Array(prompt.utf8)
        let image = Array(Self.imagePad.utf8)
        let video = Array(Self.videoPad.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var imageIndex = 0
        var videoIndex = 0
        var position = 0
        while position < bytes.count {
            if bytes[position...].starts(with: image) {
                if imageIndex < imageGrids.count {
                    for _ in 0..<imageGrids[imageIndex].tokenCount(mergeSize: mergeSize) { output += image }
                }
                imageIndex += 1
                position += image.count
            } else if bytes[position...].starts(with: video) {
                if videoIndex < videoGrids.count {
                    for _ in 0..<videoGrids[videoIndex].tokenCount(mergeSize: mergeSize) { output += video }
                }
                videoIndex += 1
                position += video.count
            } else {
                output.append(bytes[position])
                position += 1
            }
        }
        guard imageIndex == imageGrids.count else {
            throw QwenVLError.placeholderCountMismatch(kind: "image", placeholders: imageIndex, grids: imageGrids.count)
        }
        guard videoIndex == videoGrids.count else {
            throw QwenVLError.placeholderCountMismatch(kind: "video", placeholders: videoIndex, grids: videoGrids.count)
        }
        return String(decoding: output, as: UTF8.self)
    }
}
