// VANS end to end (paper Figure 4): the reasoner writes K captions of the next event, the renderer turns each
// into an answer video. Stages run one after the other, so with real-sized models a reasoner and a renderer
// that load their weights lazily and release them after use keep only one model resident at a time.
import Foundation
import VideoIO

/// One answer: the reasoner's output and the video rendered from its caption.
public struct PipelineAnswer: Sendable, Equatable {
    public var reasoned: ReasonedAnswer
    public var video: RenderedVideo
}

/// The reasoner and the renderer composed.
public final class VANSPipeline {
    public let reasoner: any NextEventReasoner
    public let renderer: any AnswerRenderer

    public init(reasoner: any NextEventReasoner, renderer: any AnswerRenderer) {
        self.reasoner = reasoner
        self.renderer = renderer
    }

    /// Answers `input` with `reasoning.samples` futures: each sampled caption is rendered with seed
    /// `rendering.seed + k` so the futures differ in their noise too. Progress stages: "reasoning", then the
    /// renderer's stages, each tagged with the future's number when there are several.
    public func answer(_ input: AnswerInput, reasoning: ReasoningOptions = ReasoningOptions(),
                       rendering: RenderOptions = RenderOptions(), progress: StageProgressHandler? = nil) throws -> [PipelineAnswer] {
        let answers = try reasoner.reason(about: input, options: reasoning, progress: progress)
        guard !answers.isEmpty else { throw PipelineError.noAnswer(question: input.question) }
        var results: [PipelineAnswer] = []
        for (k, answer) in answers.enumerated() {
            var options = rendering
            options.seed = rendering.seed &+ UInt64(k)
            let tagged: StageProgressHandler? = progress.map { handler in
                { event in
                    var event = event
                    if answers.count > 1 { event.stage = "\(event.stage) (future \(k + 1)/\(answers.count))" }
                    handler(event)
                }
            }
            let video = try renderer.render(caption: answer.caption, input: input, options: options, progress: tagged)
            results.append(PipelineAnswer(reasoned: answer, video: video))
        }
        return results
    }

    /// Writes `answer`'s video as H.264 MP4 to `path`, atomically.
    public static func write(_ answer: PipelineAnswer, to path: String) throws {
        try VideoWriter.write(answer.video.frames, to: path, fps: answer.video.fps)
    }
}

/// Errors of the pipeline layer.
public enum PipelineError: Error, Equatable, CustomStringConvertible {
    case noAnswer(question: String)
    case invalidInput(String)
    case modelDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case .noAnswer(let question): "the reasoner returned no answer to \"\(question)\""
        case .invalidInput(let reason): "invalid input: \(reason)"
        case .modelDirectory(let path, let reason): "\(path): \(reason)"
        }
    }
}
