// `vans metrics text`: the paper's caption metrics (BLEU@1–4, ROUGE-L, ROUGE-L F1) over caption files.
import ArgumentParser
import Foundation
import CaptionMetrics

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Compute the paper's metrics.",
        subcommands: [TextMetricsCommand.self, VideoMetricsCommand.self]
    )
}

struct TextMetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Score predicted captions against references: BLEU@1–4, ROUGE-L (COCO) and ROUGE-L F1 (rouge-score).",
        discussion: """
            Each file holds one sample per line. A references line is either a plain caption or a JSON array \
            of captions (several references); a line starting with "[" is read as JSON, so write a caption that \
            starts with "[" as a one-element array. BLEU (counts pooled over the corpus) and ROUGE-L (β = 1.2, mean \
            over samples) follow pycocoevalcap on PTB-normalised captions; ROUGE-L F1 follows the rouge-score \
            package on the raw captions (mean over samples, best reference per sample). \
            Exit codes: 0 scored, 1 unreadable or malformed input, 64 bad option.
            """
    )

    @Option(name: .long, help: "File of predicted captions, one per line.")
    var hypotheses: String

    @Option(name: .long, help: "File of reference captions, one line per sample: a caption or a JSON array of captions.")
    var references: String

    @Flag(name: .long, help: "Porter-stem words for ROUGE-L F1 (rouge-score's use_stemmer; off in the paper's setting).")
    var stemmer = false

    @Flag(name: .long, help: "Print one JSON object: bleu_1…bleu_4, rouge_l, rouge_l_f1 and per-sample values under samples.")
    var json = false

    func run() async throws {
        let report: TextMetricsReport
        do {
            let corpus = try CaptionFiles.load(
                hypotheses: URL(fileURLWithPath: hypotheses), references: URL(fileURLWithPath: references))
            report = try TextMetrics(usesStemmer: stemmer).evaluate(hypotheses: corpus.hypotheses, references: corpus.references)
        } catch let error as MetricsError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("samples     \(report.samples.count)")
            for (name, value) in [
                ("BLEU@1", report.bleu1), ("BLEU@2", report.bleu2), ("BLEU@3", report.bleu3), ("BLEU@4", report.bleu4),
                ("ROUGE-L", report.rougeL), ("ROUGE-L F1", report.rougeLF1),
            ] {
                print(name.padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: "%.6f", value))
            }
        }
    }
}
