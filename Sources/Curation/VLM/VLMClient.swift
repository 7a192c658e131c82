// Where the curation VLM runs: one protocol, a local Qwen2.5-VL and an OpenAI-compatible endpoint behind it.
import Data
import Foundation

/// A clip of a source video shown to the VLM.
public struct VLMClip: Sendable, Equatable {
    public var videoPath: String
    /// Seconds of `videoPath`.
    public var range: TimeRange

    public init(videoPath: String, range: TimeRange) {
        self.videoPath = videoPath
        self.range = range
    }
}

/// One VLM call: a text prompt about zero or more clips.
public struct VLMRequest: Sendable, Equatable {
    public var prompt: String
    public var clips: [VLMClip]
    public var maximumTokens: Int

    public init(prompt: String, clips: [VLMClip] = [], maximumTokens: Int = 512) {
        self.prompt = prompt
        self.clips = clips
        self.maximumTokens = maximumTokens
    }
}

/// A vision-language model answering prompts about clips. Implementations retry what is worth
/// retrying and throw `CurationError.vlmFailed` / `.malformedReply` for the rest.
public protocol VLMClient: Sendable {
    /// The model's text reply.
    func complete(_ request: VLMRequest) async throws -> String
}

/// Limits how many calls run at once (the `--vlm-concurrency` of a remote endpoint).
public actor ConcurrencyLimit {
    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(_ limit: Int) { available = max(1, limit) }

    public func acquire() async {
        if available > 0 { available -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    public func release() {
        if waiting.isEmpty { available += 1 } else { waiting.removeFirst().resume() }
    }

    /// Runs `body` holding one slot.
    public func withSlot<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }
}

/// Strict parsing of the JSON objects the prompts ask for.
public enum ReplyParser {
    /// The one JSON object in `text` (a ```json fence or text around it is tolerated, nothing else).
    public static func object(_ text: String) throws -> [String: Any] {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close else {
            throw CurationError.malformedReply(reason: "no JSON object in the reply \(preview(text))")
        }
        let body = text[open...close]
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(body.utf8)) } catch {
            throw CurationError.malformedReply(reason: "the reply's JSON does not parse \(preview(text))")
        }
        guard let object = parsed as? [String: Any] else {
            throw CurationError.malformedReply(reason: "the reply is not a JSON object \(preview(text))")
        }
        return object
    }

    /// A non-empty string member.
    public static func string(_ object: [String: Any], _ key: String) throws -> String {
        guard let value = object[key] as? String else { throw CurationError.malformedReply(reason: "key '\(key)' is missing or not a string") }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw CurationError.malformedReply(reason: "key '\(key)' is empty") }
        return trimmed
    }

    /// A finite number member within `range`.
    public static func number(_ object: [String: Any], _ key: String, in range: ClosedRange<Double>) throws -> Double {
        guard let member = object[key], type(of: member) != Bool.self, let number = member as? NSNumber else {
            throw CurationError.malformedReply(reason: "key '\(key)' is missing or not a number")
        }
        let value = number.doubleValue
        guard value.isFinite, range.contains(value) else {
            throw CurationError.malformedReply(reason: "key '\(key)' = \(value) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    static func preview(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return "('\(flat.prefix(80))\(flat.count > 80 ? "…" : "")')"
    }
}
