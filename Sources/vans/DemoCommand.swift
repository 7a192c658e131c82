// `vans demo`: the end-to-end job on a built-in default, as far as the system exists today.
// It makes a small VANS-Synth evaluation set, checks it, prepares the Qwen2.5-VL input of one
// sample exactly as the reference processor and chat template would, tokenizes that prompt with a
// byte-level BPE trained on the set (as `tokenizers` would train it), finds the cut between an
// input clip and its answer clip with the shot detector, and scores two text baselines with the
// paper's metrics. The models (Qwen2.5-VL, Wan2.1) and Joint-GRPO come in later waves.
import ArgumentParser
import Data
import Foundation
import Metrics
import QwenVL
import Support
import Tokenizers
import VANS
import VideoIO

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the end-to-end demo on a built-in default (a small synthetic evaluation set)."
    )

    @Option(help: "Directory for the demo's dataset and videos.")
    var out: String = "demo-output"

    @Option(help: "Number of samples to synthesise.")
    var count: Int = 48

    @Option(help: "Seed of the synthetic world.")
    var seed: UInt64 = 7

    @Flag(help: "Print one JSON object instead of the text report.")
    var json = false

    struct Report: Codable {
        var dataset: SynthDatasetSummary
        var validationProblems: Int
        var sampleID: String
        var question: String
        var videoGrid: [Int]
        var videoTokens: Int
        var promptCharacters: Int
        var tokenizerVocabulary: Int
        var promptTokens: Int
        var promptVideoPadTokens: Int
        var joinedClipFrames: Int
        var trueCut: Int
        var detectedCuts: [Int]
        var questionOnlyBaseline: TextMetricsReport
        var alternativeWordings: TextMetricsReport
    }

    func run() async throws {
        do {
            let report = try makeReport()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                printText(report)
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    private func makeReport() throws -> Report {
        let directory = URL(fileURLWithPath: out).appendingPathComponent("dataset")
        // 1. A small evaluation split of the synthetic world, rendered and encoded in parallel.
        let progress = ProgressBar(total: count, label: "synthesising")
        let summary = try SynthDataset.write(SynthConfiguration(count: count, seed: seed, split: .eval),
                                             to: directory, progress: progress)
        let manifest = directory.appendingPathComponent("manifest.jsonl")
        let validation = try DatasetValidator.validate(manifest)
        let samples = try Manifest.read(from: manifest)
        guard let sample = samples.first else { throw ValidationError("the demo dataset is empty") }

        // 2. The VLM's input for one sample: frames at 1 fps (the paper's evaluation setting),
        //    smart-resized and patchified, then the paper's system prompt in Qwen's chat template.
        let inputPath = directory.appendingPathComponent(sample.inputVideo).path
        let video = try QwenVLVideoProcessor(fps: 1).process(path: inputPath)
        let grid = VisionGrid(temporal: video.grid.t, height: video.grid.h, width: video.grid.w)
        let template = ChatTemplate()
        let prompt = try template.expandVisionPlaceholders(
            in: template.render(AnswerFormat().messages(question: sample.question), addGenerationPrompt: true),
            imageGrids: [], videoGrids: [grid])

        // 3. The prompt as token ids: a small byte-level BPE in Qwen2.5-VL's layout, trained on the set's
        //    texts and the system prompt, written next to the dataset; every <|video_pad|> is one id.
        let answerFormat = AnswerFormat()
        var texts = [answerFormat.systemPrompt]
        for item in samples {
            texts += [item.question, item.answerCaption] + item.answerAlternatives
            texts.append(answerFormat.format(reasoning: item.reasoning, answer: item.answerCaption))
        }
        let trained = try BPETrainer(vocabularySize: 1024, minimumFrequency: 2).train(texts: texts, preset: .qwen2VL)
        try trained.write(to: URL(fileURLWithPath: out).appendingPathComponent("tokenizer"))
        let tokenizer = try trained.tokenizer()
        let promptIDs = try tokenizer.encode(prompt)
        let videoPad = tokenizer.id(for: ChatTemplate.videoPad)

        // 4. Curation: join the input clip and its answer clip and find the cut between them.
        //    The synthetic answer continues the input, so the cut is subtle (a continuation,
        //    not a new shot); we join the answer of a *different* scene to make a real shot change.
        let other = samples.first { $0.sceneSeed != sample.sceneSeed } ?? sample
        let input = try VideoDecoder(path: inputPath).decodeAll()
        let nextShot = try VideoDecoder(path: directory.appendingPathComponent(other.answerVideo).path).decodeAll()
        let joinedPath = URL(fileURLWithPath: out).appendingPathComponent("joined.mp4").path
        let fps = try VideoDecoder(path: inputPath).info.fps
        try VideoWriter.write(input + nextShot + nextShot, to: joinedPath, fps: fps)
        var options = ShotDetectionOptions()
        options.minimumSceneLength = 8
        let shots = try ShotDetector.detect(videoAt: joinedPath, options: options)

        // 5. Text metrics on two baselines. Question-only: answer with the most common caption
        //    given to the same question elsewhere in the set (leave-one-out) — it cannot see the
        //    video, so it should score low. Alternative wordings: a correct answer in other words,
        //    which shows how much BLEU/ROUGE-L move with wording alone.
        var byQuestion: [String: [String]] = [:]
        for item in samples { byQuestion[item.question, default: []].append(item.answerCaption) }
        let references = samples.map { [$0.answerCaption] }
        let questionOnly = samples.map { item -> String in
            var counts: [String: Int] = [:]
            var removed = false
            for caption in byQuestion[item.question] ?? [] {
                if !removed && caption == item.answerCaption { removed = true; continue }
                counts[caption, default: 0] += 1
            }
            return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? ""
        }
        let paraphrases = samples.map { item in
            item.answerAlternatives.first { $0 != item.answerCaption } ?? item.answerCaption
        }
        let metrics = TextMetrics()
        return Report(
            dataset: summary, validationProblems: validation.problems.count,
            sampleID: sample.id, question: sample.question,
            videoGrid: [grid.temporal, grid.height, grid.width], videoTokens: grid.tokenCount(),
            promptCharacters: prompt.count, tokenizerVocabulary: tokenizer.vocabularySize,
            promptTokens: promptIDs.count, promptVideoPadTokens: promptIDs.filter { $0 == videoPad }.count,
            joinedClipFrames: shots.frameCount, trueCut: input.count,
            detectedCuts: shots.cuts,
            questionOnlyBaseline: try metrics.evaluate(hypotheses: questionOnly, references: references),
            alternativeWordings: try metrics.evaluate(hypotheses: paraphrases, references: references))
    }

    private func printText(_ report: Report) {
        func line(_ name: String, _ scores: TextMetricsReport) -> String {
            String(format: "  %-22@ BLEU@1 %.4f  BLEU@4 %.4f  ROUGE-L %.4f  ROUGE-L F1 %.4f",
                   name as NSString, scores.bleu1, scores.bleu4, scores.rougeL, scores.rougeLF1)
        }
        print("""
        VANS demo — the synthetic VNEP world, end to end as far as it exists today
        dataset     \(report.dataset.samples) samples (\(report.dataset.procedural) procedural, \(report.dataset.predictive) predictive) from \(report.dataset.scenes) scenes, \(report.dataset.videos) videos in \(String(format: "%.1f", report.dataset.seconds)) s
        validate    \(report.validationProblems == 0 ? "ok" : "\(report.validationProblems) problems") (\(report.dataset.manifest))
        sample      \(report.sampleID): \(report.question)
        VLM input   video grid t×h×w = \(report.videoGrid.map(String.init).joined(separator: "×")) → \(report.videoTokens) <|video_pad|> tokens; prompt \(report.promptCharacters) characters (paper's system prompt, Qwen2.5-VL chat template)
        tokenizer   byte-level BPE trained on the set, \(report.tokenizerVocabulary) ids: the prompt is \(report.promptTokens) ids, \(report.promptVideoPadTokens) of them <|video_pad|> (\(out)/tokenizer/)
        shots       joined clip of \(report.joinedClipFrames) frames, true cut at \(report.trueCut), detected \(report.detectedCuts)
        text metrics against the ground-truth captions:
        \(line("question-only baseline", report.questionOnlyBaseline))
        \(line("other correct wording", report.alternativeWordings))
        Videos and the manifest are in \(out)/. Next waves: Qwen2.5-VL and Wan2.1 on the engine, SFT and Joint-GRPO.
        """)
    }
}
