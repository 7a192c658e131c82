// Small stand-ins for the two stages, for tests of what sits on top of them (the server, evaluation, trainers'
// plumbing) and for `--fake` modes: deterministic, instant, no weights.
import Foundation
import VideoIO

/// A reasoner that answers every question with scripted text (cycled over samples).
public final class ScriptedReasoner: NextEventReasoner, @unchecked Sendable {
    public let answers: [String]
    public let format: AnswerFormat
    /// Seconds to sleep per sample (to exercise progress and queues).
    public let delay: Double

    public init(answers: [String] = ["[Think]The last step is done.[/Think][Ans]The next step begins.[/Ans]"],
                format: AnswerFormat = AnswerFormat(), delay: Double = 0) {
        precondition(!answers.isEmpty, "ScriptedReasoner needs at least one answer")
        self.answers = answers
        self.format = format
        self.delay = delay
    }

    public func reason(about input: AnswerInput, options: ReasoningOptions, progress: StageProgressHandler?) throws -> [ReasonedAnswer] {
        guard !input.question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw PipelineError.invalidInput("the question is empty")
        }
        guard options.samples >= 1 else { throw PipelineError.invalidInput("samples must be at least 1, got \(options.samples)") }
        var result: [ReasonedAnswer] = []
        for k in 0..<options.samples {
            progress?(StageProgress(stage: "reasoning", done: k, total: options.samples))
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            let index = (Int(options.seed % UInt64(answers.count)) + k) % answers.count
            result.append(ReasonedAnswer(text: answers[index], format: format))
        }
        progress?(StageProgress(stage: "reasoning", done: options.samples, total: options.samples))
        return result
    }
}

/// A renderer that draws a moving bar whose colour comes from the caption's hash and the seed.
public final class PatternRenderer: AnswerRenderer, @unchecked Sendable {
    public let width: Int
    public let height: Int
    public let frameCount: Int
    public let fps: Double
    /// Seconds to sleep per frame.
    public let delay: Double

    public init(width: Int = 64, height: Int = 64, frameCount: Int = 9, fps: Double = 8, delay: Double = 0) {
        self.width = width
        self.height = height
        self.frameCount = frameCount
        self.fps = fps
        self.delay = delay
    }

    public func render(caption: String, input: AnswerInput, options: RenderOptions, progress: StageProgressHandler?) throws -> RenderedVideo {
        // FNV-1a: stable across runs, unlike Hasher.
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in caption.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        hash ^= options.seed &* 0x9E3779B97F4A7C15
        let colour = [UInt8(truncatingIfNeeded: hash), UInt8(truncatingIfNeeded: hash >> 8), UInt8(truncatingIfNeeded: hash >> 16)]
        var frames: [VideoFrame] = []
        for f in 0..<frameCount {
            progress?(StageProgress(stage: "denoising", done: f, total: frameCount))
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            var pixels = [UInt8](repeating: 32, count: width * height * 3)
            let barX = (f * width) / max(frameCount, 1)
            for y in 0..<height {
                for x in barX..<min(barX + max(width / 8, 1), width) {
                    for c in 0..<3 { pixels[(y * width + x) * 3 + c] = colour[c] }
                }
            }
            frames.append(VideoFrame(width: width, height: height, pixels: pixels, timestamp: Double(f) / fps, index: f))
        }
        progress?(StageProgress(stage: "denoising", done: frameCount, total: frameCount))
        return RenderedVideo(frames: frames, fps: fps, referenceFrames: options.useReferenceFrames && (input.video != nil || input.image != nil) ? 1 : 0)
    }
}
