// One VNEP sample (paper section 3): an input video, a question, and a multimodal
// answer — a reasoning chain, a caption of the next event, and the video showing it.
import Foundation

/// The two question families of the paper: what to do next, or what happens next.
public enum SampleKind: String, Codable, Sendable, CaseIterable {
    /// "What should be done next?" — multi-step tasks.
    case procedural
    /// "What happens next?" and "what if…?" — dynamics and counterfactuals.
    case predictive
}

/// A half-open span `[start, end)` of a video file, in seconds.
public struct TimeRange: Codable, Sendable, Equatable, Hashable {
    public var start: Double
    public var end: Double

    public init(start: Double, end: Double) {
        self.start = start
        self.end = end
    }

    /// Length in seconds.
    public var duration: Double { end - start }

    /// Why the range is unusable, or nil when it is sound.
    public var problem: String? {
        guard start.isFinite, end.isFinite else { return "time range [\(start), \(end)] is not finite" }
        guard start >= 0 else { return "time range starts before 0 (\(start))" }
        guard end > start else { return "time range [\(start), \(end)] is empty or reversed" }
        return nil
    }
}

/// One line of a dataset manifest. Video paths are relative to the manifest's directory.
public struct DatasetSample: Sendable, Equatable {
    /// Unique within the manifest.
    public var id: String
    public var kind: SampleKind
    /// Path of the input video, relative to the manifest's directory.
    public var inputVideo: String
    /// The part of `inputVideo` the model sees.
    public var inputRange: TimeRange
    public var question: String
    /// A short chain of reasoning that leads from the video and question to the answer.
    public var reasoning: String
    /// The ground-truth caption of the next event.
    public var answerCaption: String
    /// Every accepted wording of the answer, including `answerCaption`.
    public var answerAlternatives: [String]
    /// Path of the video showing the next event, relative to the manifest's directory.
    public var answerVideo: String
    /// The part of `answerVideo` that shows the next event.
    public var answerRange: TimeRange
    /// Where the sample comes from ("vans-synth", "coin", …).
    public var source: String
    /// The synthetic world's scene seed (synthetic samples only).
    public var sceneSeed: UInt64?
    /// The synthetic world's event type (synthetic samples only).
    public var eventType: String?

    public init(id: String, kind: SampleKind, inputVideo: String, inputRange: TimeRange, question: String,
                reasoning: String, answerCaption: String, answerAlternatives: [String], answerVideo: String,
                answerRange: TimeRange, source: String, sceneSeed: UInt64? = nil, eventType: String? = nil) {
        self.id = id
        self.kind = kind
        self.inputVideo = inputVideo
        self.inputRange = inputRange
        self.question = question
        self.reasoning = reasoning
        self.answerCaption = answerCaption
        self.answerAlternatives = answerAlternatives
        self.answerVideo = answerVideo
        self.answerRange = answerRange
        self.source = source
        self.sceneSeed = sceneSeed
        self.eventType = eventType
    }

    /// The input video's location for a manifest in `directory`.
    public func inputURL(in directory: URL) -> URL { directory.appendingPathComponent(inputVideo) }

    /// The answer video's location for a manifest in `directory`.
    public func answerURL(in directory: URL) -> URL { directory.appendingPathComponent(answerVideo) }

    /// Problems a well-formed JSON object can still have (empty texts, bad ranges, unsafe paths).
    public var problems: [String] {
        var found: [String] = []
        for (key, text) in [("id", id), ("question", question), ("reasoning", reasoning),
                            ("answer_caption", answerCaption), ("source", source)]
        where text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            found.append("'\(key)' is empty")
        }
        if answerAlternatives.isEmpty {
            found.append("'answer_alternatives' is empty")
        } else if answerAlternatives.contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            found.append("'answer_alternatives' holds an empty wording")
        } else if !answerAlternatives.contains(answerCaption) {
            found.append("'answer_alternatives' does not include 'answer_caption'")
        }
        for (key, path) in [("input_video", inputVideo), ("answer_video", answerVideo)] {
            if let problem = Self.pathProblem(path) { found.append("'\(key)' \(problem)") }
        }
        if let problem = inputRange.problem { found.append("'input_range': \(problem)") }
        if let problem = answerRange.problem { found.append("'answer_range': \(problem)") }
        return found
    }

    /// Manifest paths must stay inside the manifest's directory.
    static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.hasPrefix("/") { return "'\(path)' is absolute; paths are relative to the manifest's directory" }
        if path.split(separator: "/").contains("..") { return "'\(path)' leaves the manifest's directory" }
        return nil
    }
}

extension DatasetSample: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, question, reasoning, source
        case inputVideo = "input_video", inputRange = "input_range"
        case answerCaption = "answer_caption", answerAlternatives = "answer_alternatives"
        case answerVideo = "answer_video", answerRange = "answer_range"
        case sceneSeed = "scene_seed", eventType = "event_type"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        kind = try container.decode(SampleKind.self, forKey: .kind)
        inputVideo = try container.decode(String.self, forKey: .inputVideo)
        inputRange = try container.decode(TimeRange.self, forKey: .inputRange)
        question = try container.decode(String.self, forKey: .question)
        reasoning = try container.decode(String.self, forKey: .reasoning)
        answerCaption = try container.decode(String.self, forKey: .answerCaption)
        answerAlternatives = try container.decode([String].self, forKey: .answerAlternatives)
        answerVideo = try container.decode(String.self, forKey: .answerVideo)
        answerRange = try container.decode(TimeRange.self, forKey: .answerRange)
        source = try container.decode(String.self, forKey: .source)
        sceneSeed = try container.decodeIfPresent(UInt64.self, forKey: .sceneSeed)
        eventType = try container.decodeIfPresent(String.self, forKey: .eventType)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(inputVideo, forKey: .inputVideo)
        try container.encode(inputRange, forKey: .inputRange)
        try container.encode(question, forKey: .question)
        try container.encode(reasoning, forKey: .reasoning)
        try container.encode(answerCaption, forKey: .answerCaption)
        try container.encode(answerAlternatives, forKey: .answerAlternatives)
        try container.encode(answerVideo, forKey: .answerVideo)
        try container.encode(answerRange, forKey: .answerRange)
        try container.encode(source, forKey: .source)
        try container.encodeIfPresent(sceneSeed, forKey: .sceneSeed)
        try container.encodeIfPresent(eventType, forKey: .eventType)
    }
}
