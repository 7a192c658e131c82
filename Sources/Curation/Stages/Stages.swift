// The replaceable steps of the curation pipeline (paper Sec. 3, Fig. 3): shot split → clip selection →
// QA generation with self-check. Each is a protocol; the runner records every result in the job table.
import Data
import Foundation

/// A shot of a source video: frames `startFrame ..< endFrame`, with the annotated caption when there is one.
public struct Shot: Sendable, Codable, Equatable {
    public var startFrame: Int
    public var endFrame: Int
    public var framesPerSecond: Double
    public var caption: String?

    public init(startFrame: Int, endFrame: Int, framesPerSecond: Double, caption: String?) {
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.framesPerSecond = framesPerSecond
        self.caption = caption
    }

    public var durationSeconds: Double { Double(endFrame - startFrame) / framesPerSecond }
}

/// The chosen clip of a shot and the caption describing it.
public struct ChosenClip: Sendable, Codable, Equatable {
    public var startFrame: Int
    public var endFrame: Int
    public var framesPerSecond: Double
    public var caption: String
    public var score: Double

    public init(startFrame: Int, endFrame: Int, framesPerSecond: Double, caption: String, score: Double) {
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.framesPerSecond = framesPerSecond
        self.caption = caption
        self.score = score
    }

    public var range: TimeRange { TimeRange(start: Double(startFrame) / framesPerSecond, end: Double(endFrame) / framesPerSecond) }
}

/// A question–reasoning–answer triple.
public struct GeneratedQA: Sendable, Codable, Equatable {
    public var question: String
    public var reasoning: String
    public var answer: String

    public init(question: String, reasoning: String, answer: String) {
        self.question = question
        self.reasoning = reasoning
        self.answer = answer
    }
}

/// What QA generation decided for one target event.
public enum QAOutcome: Sendable, Equatable {
    case accepted(GeneratedQA)
    /// Rejected by the self-check (or the leak test), with the reason recorded in the job table.
    case rejected(reason: String)
}

/// Splits a video into shots (already filtered to the minimum length).
public protocol ShotSplitter: Sendable {
    func shots(of video: SourceVideo) async throws -> [Shot]
}

/// Chooses the best 3–5 s clip of a shot and says what it shows.
public protocol ClipChooser: Sendable {
    func choose(in shot: Shot, of video: SourceVideo) async throws -> ChosenClip?
}

/// Writes and checks the QA of a target clip given the clips before it.
public protocol QAGenerator: Sendable {
    func generate(context: [ChosenClip], target: ChosenClip, video: SourceVideo) async throws -> QAOutcome
}

/// Whether `question` gives the answer away: it contains the answer or the target caption (case, punctuation
/// and spacing ignored). The self-check VLM catches paraphrases; this catches copies without a call.
public func questionLeaksAnswer(question: String, answers: [String]) -> Bool {
    func normalized(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }
    let asked = " " + normalized(question) + " "
    return answers.contains { answer in
        let words = normalized(answer)
        return !words.isEmpty && asked.contains(" " + words + " ")
    }
}
