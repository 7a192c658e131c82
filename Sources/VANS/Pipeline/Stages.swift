// The stages of VANS (paper Figure 4) as protocols: a reasoner writes reasoning and a caption of the next event
// from a video (or image) and a question; a renderer turns a caption and reference frames of the input into an
// answer video. Trainers, evaluation and the server depend on these, so tests inject small fakes
// (`Pipeline/Fakes.swift`) and the real models slot in behind the same calls.
import Foundation
import VideoIO

/// What the user gave: a video and/or an image, and a question about it.
public struct AnswerInput: Sendable, Equatable {
    /// The input video (the paper's main case).
    public var video: URL?
    /// An input image (the reasoning image-to-video case); used alone or beside the video.
    public var image: URL?
    /// The procedural or predictive question.
    public var question: String

    public init(video: URL? = nil, image: URL? = nil, question: String) {
        self.video = video
        self.image = image
        self.question = question
    }
}

/// One stage's progress, as every stage reports it: `done` of `total` units of `stage`.
public struct StageProgress: Sendable, Equatable {
    /// A short stage name ("reasoning", "text encoding", "VAE encode", "denoising", "VAE decode", "writing").
    public var stage: String
    public var done: Int
    public var total: Int

    public init(stage: String, done: Int, total: Int) {
        self.stage = stage
        self.done = done
        self.total = total
    }
}

/// A progress callback shared by the stages (called on the working thread).
public typealias StageProgressHandler = (StageProgress) -> Void

/// One sampled output of the reasoner.
public struct ReasonedAnswer: Sendable, Equatable {
    /// The raw generated text (`[Think]…[/Think][Ans]…[/Ans]` when the model follows the format).
    public var text: String
    /// The reasoning block, or "" when missing.
    public var reasoning: String
    /// The caption of the next event (the answer block; the whole text when the format is not followed).
    public var caption: String
    /// Whether `text` follows the answer format (the format reward r_f).
    public var followsFormat: Bool

    public init(text: String, reasoning: String, caption: String, followsFormat: Bool) {
        self.text = text
        self.reasoning = reasoning
        self.caption = caption
        self.followsFormat = followsFormat
    }

    /// Splits `text` with `format`.
    public init(text: String, format: AnswerFormat) {
        let parsed = format.parse(text)
        self.init(text: text, reasoning: parsed.reasoning ?? "", caption: parsed.answer, followsFormat: parsed.followsFormat)
    }
}

/// How the reasoner samples.
public struct ReasoningOptions: Sendable, Equatable {
    /// Number of answers (the paper's multi-future setting; GRPO's group size G).
    public var samples: Int
    /// 0 means greedy (the evaluation default); sampling needs a positive temperature.
    public var temperature: Float
    public var topP: Float
    public var maximumTokens: Int
    public var seed: UInt64

    public init(samples: Int = 1, temperature: Float = 0, topP: Float = 1, maximumTokens: Int = 256, seed: UInt64 = 0) {
        self.samples = samples
        self.temperature = temperature
        self.topP = topP
        self.maximumTokens = maximumTokens
        self.seed = seed
    }
}

/// Something that watches the input and writes reasoning and a caption of the next event (the VLM).
public protocol NextEventReasoner: AnyObject {
    /// `options.samples` answers to `input.question` about `input`'s video and/or image.
    func reason(about input: AnswerInput, options: ReasoningOptions, progress: StageProgressHandler?) throws -> [ReasonedAnswer]
}

/// How the renderer samples.
public struct RenderOptions: Sendable, Equatable {
    public var seed: UInt64
    /// Denoising steps; nil means the renderer's profile default.
    public var steps: Int?
    /// Whether to condition on reference frames of the input (false gives the text-only cascade rows).
    public var useReferenceFrames: Bool

    public init(seed: UInt64 = 0, steps: Int? = nil, useReferenceFrames: Bool = true) {
        self.seed = seed
        self.steps = steps
        self.useReferenceFrames = useReferenceFrames
    }
}

/// A rendered answer video.
public struct RenderedVideo: Sendable, Equatable {
    /// RGB frames at the renderer's output size.
    public var frames: [VideoFrame]
    public var fps: Double
    /// How many input frames conditioned the render.
    public var referenceFrames: Int
    /// Seconds per stage.
    public var seconds: [String: Double]

    public init(frames: [VideoFrame], fps: Double, referenceFrames: Int, seconds: [String: Double] = [:]) {
        self.frames = frames
        self.fps = fps
        self.referenceFrames = referenceFrames
        self.seconds = seconds
    }
}

/// Something that renders a caption into an answer video, conditioned on frames of the input (the VDM).
/// The renderer picks the reference frames itself (how many and at what size is part of its profile).
public protocol AnswerRenderer: AnyObject {
    /// Renders `caption`; `input` supplies the reference frames (its video, else its image) when
    /// `options.useReferenceFrames` is true, and is ignored otherwise.
    func render(caption: String, input: AnswerInput, options: RenderOptions, progress: StageProgressHandler?) throws -> RenderedVideo
}
