// The QA stage's self-check and strict parsing, the leak test, and prompt files overridden from a folder.
import Curation
import Data
import Foundation
import Testing

/// A VLM replaying fixed replies in order.
final class ReplayVLM: VLMClient, @unchecked Sendable {
    private let lock = NSLock()
    private var replies: [String]
    init(_ replies: [String]) { self.replies = replies }
    func complete(_ request: VLMRequest) async throws -> String {
        lock.withLock { replies.isEmpty ? "" : replies.removeFirst() }
    }
}

@Suite struct StageTests {
    let video = SourceVideo(source: "s", id: "v", kind: .predictive, videoPath: "/nonexistent.mp4", events: [])
    let context = [ChosenClip(startFrame: 0, endFrame: 24, framesPerSecond: 8, caption: "a ball rolls to the table edge", score: 1)]
    let target = ChosenClip(startFrame: 32, endFrame: 56, framesPerSecond: 8, caption: "the ball falls off the table", score: 1)
    let generated = #"{"question": "What happens next?", "reasoning": "It is at the edge.", "answer": "The ball falls off the table."}"#

    // The self-check's reject verdict becomes a recorded rejection with its reason; accept keeps the QA.
    @Test func selfCheckVerdicts() async throws {
        let prompts = try PromptLibrary()
        let rejected = try await VLMQAGenerator(client: ReplayVLM([generated, #"{"verdict": "reject", "reason": "the logic does not hold"}"#]), prompts: prompts)
            .generate(context: context, target: target, video: video)
        #expect(rejected == .rejected(reason: "self-check: the logic does not hold"))
        let accepted = try await VLMQAGenerator(client: ReplayVLM([generated, #"{"verdict": "accept", "reason": "ok"}"#]), prompts: prompts)
            .generate(context: context, target: target, video: video)
        #expect(accepted == .accepted(GeneratedQA(question: "What happens next?", reasoning: "It is at the edge.", answer: "The ball falls off the table.")))
    }

    // Procedural clips are scored against the step's own caption (no captioning call), and the best-scored candidate
    // wins (the first of equals); a predictive shot without a caption is captioned first and that caption is used.
    @Test func vlmClipChoice() async throws {
        let prompts = try PromptLibrary()
        let shot = Shot(startFrame: 8, endFrame: 48, framesPerSecond: 8, caption: "pour the water")
        let procedural = SourceVideo(source: "s", id: "p", kind: .procedural, videoPath: "/p.mp4", events: [])
        let scores = PromptRecorder(inner: ReplayVLM([#"{"score": 3}"#, #"{"score": 8.5}"#, #"{"score": 8.5}"#, #"{"score": 1}"#]))
        let chosen = try #require(try await VLMClipChooser(client: scores, prompts: prompts).choose(in: shot, of: procedural))
        let asked = scores.requests
        #expect(asked.count == 4 && asked.allSatisfy { $0.prompt.contains("procedural tasks") && $0.prompt.contains("\"pour the water\"") })
        #expect(chosen.score == 8.5 && chosen.caption == "pour the water")
        let second = try #require(asked[1].clips.first?.range)
        #expect(chosen.startFrame == Int((second.start * 8).rounded()) && chosen.endFrame == Int((second.end * 8).rounded()))
        #expect(chosen.startFrame >= 8 && chosen.endFrame <= 48 && (24...40).contains(chosen.endFrame - chosen.startFrame))

        let uncaptioned = Shot(startFrame: 0, endFrame: 32, framesPerSecond: 8, caption: nil)
        let film = SourceVideo(source: "s", id: "f", kind: .predictive, videoPath: "/f.mp4", events: [])
        let replies = PromptRecorder(inner: ReplayVLM([#"{"caption": "a cat jumps"}"#, #"{"score": 2}"#, #"{"score": 4}"#]))
        let picked = try #require(try await VLMClipChooser(client: replies, prompts: prompts, maximumCandidates: 2).choose(in: uncaptioned, of: film))
        #expect(replies.prompts.first?.contains("Describe the main event") == true)
        #expect(replies.prompts.dropFirst().allSatisfy { $0.contains("\"a cat jumps\"") && $0.contains("what happens next") })
        #expect(picked.caption == "a cat jumps" && picked.score == 4)
    }

    // Replies missing keys, with empty texts or an unknown verdict are typed malformed-reply errors.
    @Test func malformedRepliesThrow() async throws {
        let prompts = try PromptLibrary()
        for replies in [[#"{"question": "q", "reasoning": "r"}"#], [#"{"question": "", "reasoning": "r", "answer": "a"}"#],
                        ["no json here"], [generated, #"{"verdict": "maybe"}"#]] {
            await #expect(throws: CurationError.self) {
                _ = try await VLMQAGenerator(client: ReplayVLM(replies), prompts: prompts).generate(context: context, target: target, video: video)
            }
        }
    }

    // The leak test ignores case and punctuation, and needs the whole answer, not a shared word.
    @Test func leakTest() {
        #expect(questionLeaksAnswer(question: "Does THE BALL fall off the table?", answers: ["the ball falls off the table"]) == false)
        #expect(questionLeaksAnswer(question: "Will the ball fall off the table, next?", answers: ["The ball fall off the table."]))
        #expect(questionLeaksAnswer(question: "What happens next?", answers: ["the ball falls"]) == false)
    }

    // A prompt file in the override folder replaces the built-in one; one lacking a placeholder is an error naming it.
    @Test func promptOverrides() throws {
        let folder = try scratchDirectory("prompts")
        defer { try? FileManager.default.removeItem(at: folder) }
        try write("Score {caption} please, JSON {\"score\": n}", "clip_score_procedural.txt", in: folder)
        let library = try PromptLibrary(overrides: folder)
        #expect(library.render("clip_score_procedural", ["caption": "pour water"]) == "Score pour water please, JSON {\"score\": n}")
        #expect(library.render("self_check", [:]).contains("{question}"))
        try write("no placeholders", "qa_predictive.txt", in: folder)
        #expect(throws: CurationError.self) { try PromptLibrary(overrides: folder) }
    }
}
