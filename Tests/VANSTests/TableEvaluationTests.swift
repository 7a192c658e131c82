import Data
import Foundation
import TestSupport
import Testing
import VideoIO
import VideoMetrics
@testable import VANS

/// Small VANS-Synth splits written once per test process (each split in its own temporary folder).
enum SynthSplits {
    static func make(_ split: SynthSplit, count: Int) -> Result<URL, any Error> {
        Result {
            let directory = ScratchDirectory.root.appendingPathComponent("vans-evalnets-\(split.rawValue)-\(count)-\(getpid())")
            if !FileManager.default.fileExists(atPath: directory.appendingPathComponent(Manifest.fileName).path) {
                _ = try SynthDataset.write(SynthConfiguration(count: count, seed: 3, split: split), to: directory)
            }
            return directory
        }
    }
    static let evaluation = make(.eval, count: 8)
    static let training = make(.train, count: 24)
}

/// Embeds a frame as its mean colour (minus mid-grey) and a caption as a vector from its length.
final class ChannelMeanEmbedder: VideoEmbedding {
    func frameEmbeddings(_ videos: [[VideoFrame]]) throws -> [[[Float]]] {
        videos.map { frames in
            frames.map { frame in
                (0..<3).map { channel in
                    var sum = 0
                    for index in stride(from: channel, to: frame.pixels.count, by: 3) { sum += Int(frame.pixels[index]) }
                    return Float(sum) / Float(frame.pixels.count / 3) - 100
                }
            }
        }
    }
    func textEmbeddings(_ texts: [String]) throws -> [[Float]] {
        texts.map { [Float($0.count % 7) + 1, Float($0.count % 5) - 2, 1] }
    }
}

/// Per-channel mean and spread over a clip: a cheap stand-in for I3D features.
struct ColourStatistics: VideoFeatureExtractor {
    func features(of frames: [VideoFrame]) throws -> [Float] {
        var values: [Float] = []
        for channel in 0..<3 {
            let samples = frames.flatMap { frame in stride(from: channel, to: frame.pixels.count, by: 3).map { Float(frame.pixels[$0]) } }
            let mean = samples.reduce(0, +) / Float(samples.count)
            let spread = (samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(samples.count)).squareRoot()
            values += [mean / 255, spread / 255]
        }
        return values
    }
}

/// Answers each question of the manifest with its ground-truth caption (looked up by input video and question).
final class PerfectReasoner: NextEventReasoner {
    let answers: [String: String]
    init(samples: [DatasetSample], directory: URL) {
        answers = Dictionary(samples.map { ($0.inputURL(in: directory).path + "|" + $0.question, $0.answerCaption) }, uniquingKeysWith: { a, _ in a })
    }
    func reason(about input: AnswerInput, options: ReasoningOptions, progress: StageProgressHandler?) throws -> [ReasonedAnswer] {
        let caption = answers[(input.video?.path ?? "") + "|" + input.question] ?? ""
        return [ReasonedAnswer(text: "[Think]known[/Think][Ans]\(caption)[/Ans]", format: AnswerFormat())]
    }
}

@Suite("Table 1 evaluation") struct TableEvaluationTests {
    func evaluate(rows: [EvaluationRow], reasoners: [StageVersion: any NextEventReasoner], limit: Int = 4, seed: UInt64 = 0) throws -> EvaluationTable {
        let data = try SynthSplits.evaluation.get()
        var settings = EvaluationSettings()
        settings.limit = limit
        settings.seed = seed
        settings.bootstrapResamples = 200
        let renderer = PatternRenderer(frameCount: 9)
        let evaluation = try TableEvaluation(settings: settings, rows: rows, reasoners: reasoners, renderers: [.base: renderer, .sft: renderer],
                                             metrics: EvaluationMetricNetworks(embedding: ChannelMeanEmbedder(), videoFeatures: ColourStatistics(), description: "test"))
        let output = ScratchDirectory.root.appendingPathComponent("vans-eval-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let table = try evaluation.run(data: data, output: output)
        try EvaluationReport.write(table, to: output)
        // Every output file exists and the HTML links only files inside the output folder.
        for name in ["table.md", "table.json", "report.html", "samples.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "missing \(name)")
        }
        for record in table.records {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(record.video).path))
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(record.inputVideo).path))
        }
        return table
    }

    // Every metric of every row and category is finite, and the row without a caption has no text metrics.
    @Test func metricsAreFinite() throws {
        let table = try evaluate(rows: [.videoExtension, .vans], reasoners: [.sft: ScriptedReasoner()])
        #expect(table.rows.count == 2)
        for row in table.rows {
            #expect(!row.categories.isEmpty)
            for scores in row.categories.values {
                let intervals = [scores.bleu1, scores.bleu2, scores.bleu3, scores.bleu4, scores.rougeL, scores.fvd, scores.clipV, scores.clipT]
                for interval in intervals.compactMap({ $0 }) {
                    #expect(interval.value.isFinite && interval.lower.isFinite && interval.upper.isFinite)
                }
                #expect(scores.fvd != nil && scores.clipV != nil && scores.clipT != nil)
                let motion = try #require(scores.motion)
                #expect(motion.value > 0 && motion.value <= 1, "the pattern renderer's frames move")
                #expect((scores.rougeL == nil) == (row.row.reasoner == nil))
            }
        }
    }

    // Two rows that run the same stages with the same options get identical numbers.
    @Test func identicalRowsGiveIdenticalNumbers() throws {
        let reasoner = ScriptedReasoner()
        let table = try evaluate(rows: [.baseCascade, .sftReasonerCascade], reasoners: [.base: reasoner, .sft: reasoner])
        #expect(table.rows[0].categories == table.rows[1].categories)
    }

    // With a VANS row the table compares it with every other row per category; the pattern renderer ignores reference
    // frames, so VANS and Qwen*-Wan* render the same videos and every paired difference is exactly zero.
    @Test func vansIsComparedWithEveryOtherRow() throws {
        let table = try evaluate(rows: [.sftCascade, .vans], reasoners: [.sft: ScriptedReasoner()])
        #expect(table.comparisons.count == 2)
        for comparison in table.comparisons {
            #expect(comparison.row == "vans" && comparison.baseline == "qwen*-wan*")
            for interval in [comparison.rougeL, comparison.fvd, comparison.clipV, comparison.clipT] {
                #expect(interval == ConfidenceInterval(value: 0, lower: 0, upper: 0))
            }
        }
        let markdown = EvaluationReport.markdown(table)
        #expect(markdown.contains("## Paired differences: VANS − row") && markdown.contains("| Qwen*-Wan* | 0.0000 [0.0000, 0.0000]"))
        #expect(EvaluationReport.html(table).contains("Paired differences"))
        let single = try evaluate(rows: [.vans], reasoners: [.sft: ScriptedReasoner()])
        #expect(single.comparisons.isEmpty && !EvaluationReport.markdown(single).contains("Paired differences"))
    }

    // A reasoner that returns the ground-truth caption scores ROUGE-L 1 and BLEU@1 ≈ 1 in both categories.
    @Test func perfectReasonerScoresOne() throws {
        let data = try SynthSplits.evaluation.get()
        let samples = try Manifest.read(from: data.appendingPathComponent(Manifest.fileName))
        let table = try evaluate(rows: [.vans], reasoners: [.sft: PerfectReasoner(samples: samples, directory: data)])
        for scores in table.rows[0].categories.values {
            #expect(abs((scores.rougeL?.value ?? 0) - 1) < 1e-9)
            #expect(abs((scores.bleu1?.value ?? 0) - 1) < 1e-6)
        }
    }

    // The bootstrap interval contains the statistic, reproduces for a seed and moves with another seed.
    @Test func bootstrapIsSeededAndContainsTheMean() {
        let values = (0..<50).map { Double(($0 * 37) % 11) }
        let mean = { (indices: [Int]) in indices.reduce(0) { $0 + values[$1] } / Double(indices.count) }
        let first = Bootstrap(resamples: 500, seed: 1).interval(count: values.count, statistic: mean)
        let again = Bootstrap(resamples: 500, seed: 1).interval(count: values.count, statistic: mean)
        let other = Bootstrap(resamples: 500, seed: 2).interval(count: values.count, statistic: mean)
        #expect(first == again)
        #expect(first != other)
        #expect(first.lower <= first.value && first.value <= first.upper)
        #expect(first.lower < first.upper)
    }

    // --limit N takes the first N samples of each category, in manifest order.
    @Test func limitIsPerCategory() throws {
        let data = try SynthSplits.evaluation.get()
        let samples = try Manifest.read(from: data.appendingPathComponent(Manifest.fileName))
        let selected = TableEvaluation.selectSamples(samples, limit: 1)
        #expect(selected.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.predictive, .procedural])
    }

    // Unknown row names and rows whose stages are missing are errors, not crashes.
    @Test func badRowsAreErrors() throws {
        #expect(throws: PipelineError.self) { try EvaluationRow.parse("vans,nope") }
        #expect(throws: PipelineError.self) {
            try TableEvaluation(settings: EvaluationSettings(), rows: [.baseCascade], reasoners: [:], renderers: [:],
                                metrics: EvaluationMetricNetworks(embedding: nil, videoFeatures: nil, description: ""))
        }
    }
}
