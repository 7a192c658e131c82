import Foundation
import TestSupport
import Testing
import VideoIO
@testable import VANS

@Suite("VANS pipeline (protocols and fakes)")
struct PipelineTests {
    // K futures: K sampled answers, each rendered with its own seed, progress tagged per future.
    @Test func futuresAreRenderedSeparately() throws {
        let reasoner = ScriptedReasoner(answers: [
            "[Think]a[/Think][Ans]The red ball rolls left.[/Ans]",
            "[Think]b[/Think][Ans]The red ball stops.[/Ans]",
        ])
        let pipeline = VANSPipeline(reasoner: reasoner, renderer: PatternRenderer(frameCount: 5))
        var stages: [String] = []
        let answers = try pipeline.answer(AnswerInput(question: "What happens next?"), reasoning: ReasoningOptions(samples: 2),
                                          rendering: RenderOptions(seed: 4)) { stages.append($0.stage) }
        #expect(answers.map(\.reasoned.caption) == ["The red ball rolls left.", "The red ball stops."])
        #expect(answers.allSatisfy { $0.reasoned.followsFormat && $0.video.frames.count == 5 })
        #expect(answers[0].video.frames != answers[1].video.frames)
        #expect(stages.contains("reasoning") && stages.contains("denoising (future 2/2)"))
    }

    // The fakes refuse what the real stages refuse: an empty question, zero samples.
    @Test func fakesRefuseBadInput() {
        let reasoner = ScriptedReasoner()
        #expect(throws: PipelineError.self) { try reasoner.reason(about: AnswerInput(question: "  "), options: ReasoningOptions(), progress: nil) }
        #expect(throws: PipelineError.self) { try reasoner.reason(about: AnswerInput(question: "q"), options: ReasoningOptions(samples: 0), progress: nil) }
    }

    // A written answer decodes back with the renderer's frame count and size.
    @Test func writtenAnswerDecodes() throws {
        let pipeline = VANSPipeline(reasoner: ScriptedReasoner(), renderer: PatternRenderer(width: 32, height: 32, frameCount: 9))
        let answer = try #require(try pipeline.answer(AnswerInput(question: "Next?")).first)
        let path = ScratchDirectory.root.appendingPathComponent("vans-answer-\(UUID().uuidString).mp4").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try VANSPipeline.write(answer, to: path)
        let frames = try VideoDecoder(path: path).decodeAll()
        #expect(frames.count == 9 && frames[0].width == 32)
    }

    // The answer page references every video by its relative path and escapes user text (no markup injection).
    @Test func answerPageShowsEveryVideoAndEscapesText() {
        let entry = AnswerPageEntry(
            question: "What happens <next> & why?", inputVideo: "videos/input.mp4",
            answers: [.init(label: "VANS", reasoning: "r \"quoted\"", caption: "<script>alert(1)</script>", video: "answers/a-1.mp4",
                            seconds: ["denoising": 1.25])],
            groundTruth: .init(label: "Ground truth", reasoning: "", caption: "The ball stops.", video: "videos/answer.mp4"))
        let html = AnswerPage.html(title: "Demo", notes: ["models: test"], entries: [entry])
        for video in ["videos/input.mp4", "answers/a-1.mp4", "videos/answer.mp4"] { #expect(html.contains("src=\"\(video)\"")) }
        #expect(!html.contains("<script>") && html.contains("&lt;script&gt;") && html.contains("What happens &lt;next&gt; &amp; why?"))
        #expect(html.contains("denoising 1.2 s") || html.contains("denoising 1.3 s"))
        #expect(!html.contains("http://") && !html.contains("https://"))
    }
}
