// QA generation and self-check (paper Sec. 3): the VLM writes question, reasoning and answer from the
// ordered (clip, caption) sequence, then judges its own output for leaks and logic.
import Data
import Foundation

/// The paper's generator: one generation call, a leak test, one self-check call.
public struct VLMQAGenerator: QAGenerator {
    public var client: any VLMClient
    public var prompts: PromptLibrary

    public init(client: any VLMClient, prompts: PromptLibrary) {
        self.client = client
        self.prompts = prompts
    }

    public func generate(context: [ChosenClip], target: ChosenClip, video: SourceVideo) async throws -> QAOutcome {
        let events = context.enumerated().map { "\($0.offset + 1). \($0.element.caption)" }.joined(separator: "\n")
        let clips = context.map { VLMClip(videoPath: video.videoPath, range: $0.range) }
        let template = video.kind == .procedural ? "qa_procedural" : "qa_predictive"
        let reply = try await client.complete(VLMRequest(prompt: prompts.render(template, ["context": events, "target": target.caption]),
                                                         clips: clips, maximumTokens: 512))
        let object = try ReplyParser.object(reply)
        let qa = GeneratedQA(question: try ReplyParser.string(object, "question"), reasoning: try ReplyParser.string(object, "reasoning"),
                             answer: try ReplyParser.string(object, "answer"))
        if questionLeaksAnswer(question: qa.question, answers: [qa.answer, target.caption]) {
            return .rejected(reason: "answer leaked into the question")
        }
        let check = try await client.complete(VLMRequest(
            prompt: prompts.render("self_check", ["context": events, "question": qa.question, "reasoning": qa.reasoning, "answer": qa.answer]),
            maximumTokens: 128))
        let verdict = try ReplyParser.object(check)
        switch try ReplyParser.string(verdict, "verdict").lowercased() {
        case "accept": return .accepted(qa)
        case "reject":
            let reason = (verdict["reason"] as? String).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            return .rejected(reason: "self-check: " + (reason.isEmpty ? "no reason given" : reason))
        case let other: throw CurationError.malformedReply(reason: "verdict '\(other)' is neither 'accept' nor 'reject'")
        }
    }
}

/// The offline generator: fixed question templates over the annotated captions; the leak test is its self-check.
public struct TemplateQAGenerator: QAGenerator {
    public init() {}

    public func generate(context: [ChosenClip], target: ChosenClip, video: SourceVideo) async throws -> QAOutcome {
        guard !target.caption.isEmpty, context.allSatisfy({ !$0.caption.isEmpty }) else {
            return .rejected(reason: "no captions (raw videos need a VLM to caption their shots)")
        }
        let shown = context.map(\.caption).joined(separator: "; then ")
        let question = video.kind == .procedural
            ? "The video shows a task in progress. What should be done next?"
            : "What happens next in the video?"
        let reasoning = "The video shows: \(shown). " + (video.kind == .procedural
            ? "Following the task's order, the next step is: \(target.caption)"
            : "Continuing these events, what happens next is: \(target.caption)")
        let qa = GeneratedQA(question: question, reasoning: reasoning, answer: target.caption)
        if questionLeaksAnswer(question: qa.question, answers: [qa.answer]) { return .rejected(reason: "answer leaked into the question") }
        return .accepted(qa)
    }
}
