// `vans answer`: VANS end to end (paper Figure 4) — a video (and/or image) and a question in; reasoning, a caption
// of the next event and an answer video out. The VLM stage runs for every question first and is released before
// the VDM stage loads, so only one model is resident at a time.
import ArgumentParser
import Foundation
import Support
import VANS
import VideoIO

struct AnswerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Answer a question about a video with a video: reasoning, a caption of the next event, and its rendering.",
        discussion: """
            --vlm is a Qwen2.5-VL model directory (with its LoRA adapter in adapter/ when present), --vdm a diffusers \
            Wan pipeline directory; each may carry a vans_profile.json (sampling rate, sizes, steps). Without one, the \
            paper's protocol applies: the VLM sees the video at 1 fps, answers are 33 frames at 352×640, 16 fps, \
            conditioned on n = 6 evenly spaced input frames, 50 UniPC steps with guidance 5.

            Stages run in turn, each with a progress bar: the VLM loads, reasons about every question (and future), \
            and is released; then, per answer, the VDM's stages load and release their own weights one after the \
            other (umT5 text encoding, VAE encode of the reference frames, DiT denoising, VAE decode), then the MP4 \
            is written. Weights are memory-mapped bf16 as stored, so the peak is the largest single stage — with \
            Qwen2.5-VL-3B (~7.5 GB) and Wan2.1-1.3B (umT5-XXL ~11 GB, DiT ~2.7 GB, VAE) that keeps a real-size \
            answer within 24 GB.

            Outputs: with one question and one future the video goes to OUT (e.g. answer.mp4). With several \
            questions and/or --futures K, the answers go to OUT-1.mp4 … OUT-N.mp4 (the extension of --out kept), \
            numbered question by question: question 1's futures 1…K, then question 2's, and so on. Future k is \
            sampled with seed S + k − 1 for both its caption and its noise.

            Exit codes: 0 answered; 1 failure while generating; 2 unusable model directory; 3 unreadable or missing \
            input (video, image, empty question); 64 bad option.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Qwen2.5-VL model directory (adapter/ and vans_profile.json used when present).", valueName: "DIR"))
    var vlm: String?

    @Option(name: .long, help: ArgumentHelp("Diffusers Wan pipeline directory (vans_profile.json used when present).", valueName: "DIR"))
    var vdm: String?

    @Option(name: .long, help: ArgumentHelp("The input video.", valueName: "FILE"))
    var video: String?

    @Option(name: .long, help: ArgumentHelp("An input image (the reasoning image-to-video case); alone or beside --video.", valueName: "FILE"))
    var image: String?

    @Option(name: .long, help: ArgumentHelp("The question about the input; repeat for several questions on one video.", valueName: "TEXT"))
    var question: [String] = []

    @Option(name: .long, help: ArgumentHelp("Output MP4 (H.264); numbered OUT-k.mp4 when there are several answers (see above).", valueName: "OUT.mp4"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Answers per question from K sampled captions (the paper's multi-future setting).", valueName: "K"))
    var futures = 1

    @Option(name: .long, help: ArgumentHelp("Seed; future k uses S + k − 1 for its caption sampling and its noise.", valueName: "S"))
    var seed: UInt64 = 0

    @Option(name: .long, help: ArgumentHelp("Denoising steps (default: the VDM profile's).", valueName: "N"))
    var steps: Int?

    @Option(name: .long, help: "Caption sampling temperature (default: 0, greedy, for one future; 1 for several).")
    var temperature: Float?

    @Option(name: .long, help: "Nucleus sampling mass for captions (1 = off).")
    var topP: Float = 1

    @Option(name: .long, help: ArgumentHelp("New tokens per caption at most (default: the VLM profile's).", valueName: "N"))
    var maxTokens: Int?

    @Flag(name: .long, help: "Render from the caption alone, without reference frames of the input (the text-only cascade).")
    var noReferenceFrames = false

    @Flag(name: .long, help: "Print one JSON object: paths, reasoning, captions, seconds per stage, peak resident memory.")
    var json = false

    @Flag(name: .long, help: "Use built-in stand-ins (a scripted reasoner, a pattern renderer) instead of models: checks the plumbing in a second.")
    var fake = false

    func validate() throws {
        if !fake && (vlm == nil || vdm == nil) { throw ValidationError("Give --vlm DIR and --vdm DIR (or --fake).") }
        if video == nil && image == nil { throw ValidationError("Give --video FILE and/or --image FILE.") }
        if question.isEmpty { throw ValidationError("Give at least one --question.") }
        if futures < 1 { throw ValidationError("--futures must be at least 1, got \(futures).") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps).") }
        if let temperature, !(temperature >= 0 && temperature.isFinite) { throw ValidationError("--temperature must be ≥ 0.") }
        if futures > 1, let temperature, temperature == 0 {
            throw ValidationError("--futures above 1 needs --temperature > 0 (greedy captions would be identical).")
        }
        if !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1].") }
        if let maxTokens, maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1.") }
        if !out.lowercased().hasSuffix(".mp4") { throw ValidationError("--out must name an .mp4 file, got \(out).") }
    }

    /// Where answer `number` (1-based, question-major) goes.
    static func outputPath(_ out: String, number: Int, count: Int) -> String {
        guard count > 1 else { return out }
        let url = URL(fileURLWithPath: out)
        let stem = url.deletingPathExtension().path
        return "\(stem)-\(number).\(url.pathExtension)"
    }

    func run() async throws {
        let started = Date()
        var seconds: [String: Double] = [:]
        func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
            let start = Date()
            defer { seconds[stage, default: 0] += Date().timeIntervalSince(start) }
            return try body()
        }
        // Inputs first: a bad file fails in a second, before any model loads.
        for (flag, path) in [("--video", video), ("--image", image)] {
            guard let path else { continue }
            do { _ = try VideoDecoder(path: path) } catch {
                fail("\(flag) \(path): not a readable video or image (\(error))", code: 3)
            }
        }
        if let blank = question.first(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            fail("a --question is empty (\(blank.debugDescription))", code: 3)
        }
        let reasoner: any NextEventReasoner, renderer: any AnswerRenderer
        var maximumTokens = maxTokens ?? 256
        do {
            if fake {
                reasoner = ScriptedReasoner(answers: [
                    "[Think]The hand has picked up the cup.[/Think][Ans]The cup is lifted to the mouth.[/Ans]",
                    "[Think]The cup is full.[/Think][Ans]The cup is put back on the table.[/Ans]",
                ])
                renderer = PatternRenderer()
            } else {
                let qwen = try PipelineStages.reasoner(directory: URL(fileURLWithPath: vlm!))
                maximumTokens = maxTokens ?? qwen.profile.maximumNewTokens
                reasoner = qwen
                renderer = try PipelineStages.renderer(directory: URL(fileURLWithPath: vdm!))
            }
        } catch {
            fail("\(error)", code: 2)
        }
        let input = { (text: String) in
            AnswerInput(video: video.map { URL(fileURLWithPath: $0) }, image: image.map { URL(fileURLWithPath: $0) }, question: text)
        }
        let reasoning = ReasoningOptions(samples: futures, temperature: temperature ?? (futures > 1 ? 1 : 0), topP: topP,
                                         maximumTokens: maximumTokens, seed: seed)

        // Stage 1: the VLM, for every question; then it is released.
        var reasoned: [[ReasonedAnswer]] = []
        do {
            if let qwen = reasoner as? QwenVLReasoner {
                status("loading VLM \(qwen.directory.path)\(qwen.adapter == nil ? "" : " + adapter") (profile \(qwen.profile.profile))")
                try timed("VLM load") { _ = try qwen.load() }
            }
            for (index, text) in question.enumerated() {
                let label = question.count > 1 ? "reasoning (question \(index + 1)/\(question.count))" : "reasoning"
                let bars = StageBars()
                let answers = try timed("reasoning") {
                    try reasoner.reason(about: input(text), options: reasoning) { bars.report($0, label: label) }
                }
                bars.finish()
                guard !answers.isEmpty else { throw PipelineError.noAnswer(question: text) }
                reasoned.append(answers)
            }
        } catch let error as PipelineError {
            if case .modelDirectory = error { fail("\(error)", code: 2) }
            fail("\(error)", code: 3)
        } catch {
            fail("\(error)", code: 1)
        }
        (reasoner as? QwenVLReasoner)?.release()
        status(String(format: "reasoning done, VLM released; peak resident memory so far %.2f GB", Self.peakResidentGigabytes()))

        // Stage 2: the VDM, answer by answer (its components load and release in turn).
        let count = reasoned.count * futures
        var results: [AnswerResult] = []
        for (questionIndex, answers) in reasoned.enumerated() {
            for (futureIndex, answer) in answers.enumerated() {
                let number = questionIndex * futures + futureIndex + 1
                let path = Self.outputPath(out, number: number, count: count)
                let options = RenderOptions(seed: seed &+ UInt64(futureIndex), steps: steps, useReferenceFrames: !noReferenceFrames)
                let bars = StageBars()
                let tag = count > 1 ? " (answer \(number)/\(count))" : ""
                let video: RenderedVideo
                do {
                    video = try renderer.render(caption: answer.caption, input: input(question[questionIndex]), options: options) {
                        bars.report($0, label: $0.stage + tag)
                    }
                    bars.finish()
                    for (stage, value) in video.seconds { seconds[stage, default: 0] += value }
                    let writing = ProgressBar(total: 1, label: "writing" + tag)
                    try timed("writing") {
                        try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                                                withIntermediateDirectories: true)
                        try VideoWriter.write(video.frames, to: path, fps: video.fps)
                    }
                    writing.advance()
                    writing.finish()
                } catch let error as PipelineError {
                    bars.finish()
                    if case .invalidInput = error { fail("\(error)", code: 3) }
                    fail("\(error)", code: 1)
                } catch {
                    bars.finish()
                    fail("\(path): \(error)", code: 1)
                }
                status(String(format: "wrote %@ (%d frames, %d×%d, %d reference frames; peak resident memory %.2f GB)", path,
                              video.frames.count, video.frames.first?.width ?? 0, video.frames.first?.height ?? 0,
                              video.referenceFrames, Self.peakResidentGigabytes()))
                results.append(AnswerResult(question: question[questionIndex], future: futureIndex + 1, seed: options.seed,
                                            output: path, text: answer.text, reasoning: answer.reasoning, caption: answer.caption,
                                            followsFormat: answer.followsFormat, frames: video.frames.count,
                                            width: video.frames.first?.width ?? 0, height: video.frames.first?.height ?? 0,
                                            fps: video.fps, referenceFrames: video.referenceFrames, seconds: video.seconds))
            }
        }
        let report = AnswerReport(answers: results, seconds: seconds, totalSeconds: Date().timeIntervalSince(started),
                                  peakResidentBytes: Self.peakResidentBytes(), fake: fake)
        if json {
            try printSnakeCaseJSON(report)
            return
        }
        for result in results {
            if results.count > 1 { print("── \(result.output): question \"\(result.question)\", future \(result.future) (seed \(result.seed))") }
            print("Reasoning: \(result.reasoning.isEmpty ? "(none)" : result.reasoning)")
            print("Caption: \(result.caption)")
            if !result.followsFormat { print("(the output does not follow the answer format; raw text: \(result.text.debugDescription))") }
            print("Answer video: \(result.output)")
        }
        let stages = seconds.sorted { $0.key < $1.key }.map { String(format: "%@ %.2fs", $0.key, $0.value) }.joined(separator: ", ")
        status(String(format: "%@; total %.2fs; peak resident memory %.2f GB", stages, report.totalSeconds, Self.peakResidentGigabytes()))
    }

    /// The process's peak resident set (getrusage's ru_maxrss, kilobytes on Linux).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    static func peakResidentGigabytes() -> Double { Double(peakResidentBytes()) / 1e9 }

    private func status(_ line: String) {
        FileHandle.standardError.write(Data("[answer] \(line)\n".utf8))
    }

    private func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}

/// One progress bar per stage name, fed by `StageProgress` events; logs each stage's end with its time on standard
/// error as well (so logs of non-terminal runs show the stages).
private final class StageBars {
    private var bars: [String: (bar: ProgressBar, done: Int, total: Int, started: Date)] = [:]
    private var order: [String] = []

    func report(_ event: StageProgress, label: String) {
        var entry = bars[label] ?? (ProgressBar(total: event.total, label: label), 0, event.total, Date())
        if bars[label] == nil { order.append(label) }
        guard entry.done < entry.total else { bars[label] = entry; return }
        if event.done > entry.done { entry.bar.advance(by: event.done - entry.done); entry.done = event.done }
        if entry.done >= entry.total { close(label, &entry) }
        bars[label] = entry
    }

    func finish() {
        for label in order {
            guard var entry = bars[label], entry.done < entry.total else { continue }
            close(label, &entry)
            bars[label] = entry
        }
    }

    private func close(_ label: String, _ entry: inout (bar: ProgressBar, done: Int, total: Int, started: Date)) {
        entry.bar.finish()
        entry.done = entry.total
        let line = String(format: "[answer] %@: done in %.2fs\n", label, Date().timeIntervalSince(entry.started))
        FileHandle.standardError.write(Data(line.utf8))
    }
}

private struct AnswerResult: Encodable {
    var question: String
    var future: Int
    var seed: UInt64
    var output: String
    var text: String
    var reasoning: String
    var caption: String
    var followsFormat: Bool
    var frames: Int
    var width: Int
    var height: Int
    var fps: Double
    var referenceFrames: Int
    var seconds: [String: Double]
}

private struct AnswerReport: Encodable {
    var answers: [AnswerResult]
    /// Seconds per stage, summed over answers ("VLM load", "reasoning", "text encoding", "VAE encode", "denoising",
    /// "VAE decode", "writing").
    var seconds: [String: Double]
    var totalSeconds: Double
    var peakResidentBytes: Int
    var fake: Bool
}
