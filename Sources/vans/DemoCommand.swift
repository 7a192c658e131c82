// `vans demo` (`make demo`): the main job on a built-in default. A question about a synthetic input video is
// answered with a video by the shipped VANS-Synth models (SFT): the VLM reasons and writes the caption of the
// next event, the VDM renders it conditioned on frames of the input, and a page shows input, question,
// reasoning, caption, answer video and the ground truth side by side.
import ArgumentParser
import Data
import Foundation
import CaptionMetrics
import Support
import VANS
import VideoIO

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Answer questions about synthetic videos with videos, using the shipped VANS-Synth models.",
        discussion: """
            Makes a small VANS-Synth evaluation set (one procedural and one predictive question by default), answers \
            each question with the models in --models (vlm-sft/ and vdm-sft/, as `vans experiment synth-models` \
            writes them), and writes OUT/index.html with the input video, the question, the reasoning, the caption, \
            the answer video and the ground truth. Open the page in a browser.
            """
    )

    @Option(help: "Directory holding vlm-sft/ and vdm-sft/ (default: models/vans-synth of this checkout).")
    var models: String?

    @Option(help: "Directory for the demo's videos and page.")
    var out: String = "demo-output"

    @Option(help: "Number of questions (half procedural, half predictive).")
    var questions: Int = 2

    @Option(help: "Seed of the synthetic world and of the renderer.")
    var seed: UInt64 = 7

    @Flag(help: "Print one JSON object instead of the text report.")
    var json = false

    struct Answered: Codable {
        var id: String
        var kind: String
        var question: String
        var reasoning: String
        var caption: String
        var groundTruth: String
        var rougeL: Double
        var answerVideo: String
        var seconds: [String: Double]
    }

    struct Report: Codable {
        var page: String
        var models: String
        var answers: [Answered]
    }

    func run() async throws {
        guard questions >= 1 else { throw ValidationError("--questions must be at least 1") }
        let modelsURL = try resolveModels()
        let outURL = URL(fileURLWithPath: out)
        do {
            let report = try answer(models: modelsURL, out: outURL)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                for item in report.answers {
                    print("""

                    [\(item.kind)] \(item.question)
                      reasoning     \(item.reasoning)
                      caption       \(item.caption)
                      ground truth  \(item.groundTruth)   (ROUGE-L \(String(format: "%.3f", item.rougeL)))
                      answer video  \(item.answerVideo)
                    """)
                }
                print("\nOpen the page: \(report.page)")
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// --models, else models/vans-synth in the working directory or in the checkout that built this binary.
    func resolveModels() throws -> URL {
        if let models { return URL(fileURLWithPath: models) }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        for candidate in candidates {
            let models = candidate.appendingPathComponent("models/vans-synth")
            if FileManager.default.fileExists(atPath: models.appendingPathComponent("vlm-sft").path) { return models }
        }
        throw ValidationError("no models/vans-synth/vlm-sft found here or above the vans binary; pass --models DIR")
    }

    func answer(models: URL, out: URL) throws -> Report {
        // 1. A few evaluation questions of the synthetic world (never seen in training: the splits are disjoint).
        let data = out.appendingPathComponent("data")
        let synthProgress = ProgressBar(total: questions, label: "synthesising", enabled: json ? false : nil)
        _ = try SynthDataset.write(SynthConfiguration(count: questions, seed: seed, split: .eval), to: data, progress: synthProgress)
        let samples = try Manifest.read(from: data.appendingPathComponent("manifest.jsonl"))

        // 2. The shipped models behind the pipeline protocols; each stage loads its weights when first used.
        let reasoner = try PipelineStages.reasoner(directory: models.appendingPathComponent("vlm-sft"))
        let pipeline = VANSPipeline(reasoner: reasoner,
                                    renderer: try PipelineStages.renderer(directory: models.appendingPathComponent("vdm-sft")))
        let reasoning = ReasoningOptions(maximumTokens: reasoner.profile.maximumNewTokens)
        let answersDirectory = out.appendingPathComponent("answers")
        try FileManager.default.createDirectory(at: answersDirectory, withIntermediateDirectories: true)

        // 3. Each question answered with a video.
        var answered: [Answered] = []
        var entries: [AnswerPageEntry] = []
        let rouge = RougeScorer()
        for sample in samples {
            let input = AnswerInput(video: data.appendingPathComponent(sample.inputVideo), question: sample.question)
            var bars: [String: ProgressBar] = [:]
            let results = try pipeline.answer(input, reasoning: reasoning, rendering: RenderOptions(seed: seed)) { event in
                guard !json else { return }
                let bar = bars[event.stage] ?? {
                    let made = ProgressBar(total: max(event.total, 1), label: "\(sample.id) \(event.stage)")
                    bars[event.stage] = made
                    return made
                }()
                if event.done >= event.total { bar.finish() } else if event.done > 0 { bar.advance() }
            }
            guard let result = results.first else { continue }
            let videoName = "answers/\(sample.id).mp4"
            try VANSPipeline.write(result, to: out.appendingPathComponent(videoName).path)
            let score = rouge.score(target: sample.answerCaption, prediction: result.reasoned.caption).fmeasure
            answered.append(Answered(id: sample.id, kind: sample.kind.rawValue, question: sample.question,
                                     reasoning: result.reasoned.reasoning, caption: result.reasoned.caption,
                                     groundTruth: sample.answerCaption, rougeL: score,
                                     answerVideo: out.appendingPathComponent(videoName).path, seconds: result.video.seconds))
            entries.append(AnswerPageEntry(
                question: sample.question, inputVideo: "data/\(sample.inputVideo)",
                answers: [.init(label: "VANS (SFT) answer", reasoning: result.reasoned.reasoning, caption: result.reasoned.caption,
                                video: videoName, seconds: result.video.seconds)],
                groundTruth: .init(label: "Ground truth", reasoning: sample.reasoning, caption: sample.answerCaption,
                                   video: "data/\(sample.answerVideo)")))
        }

        // 4. The page.
        let page = out.appendingPathComponent("index.html")
        try AnswerPage.write(title: "VANS demo: video as answer (VANS-Synth, SFT models)",
                             notes: ["Models: \(models.path) — small VANS-Synth models of the Qwen2.5-VL and Wan2.1 architectures.",
                                     "Questions from the VANS-Synth evaluation split (seed \(seed)), never seen in training."],
                             entries: entries, to: page)
        return Report(page: page.path, models: models.path, answers: answered)
    }
}
