// `vans data synth` and `vans data validate`: make a VANS-Synth dataset, check any dataset.
import ArgumentParser
import Data
import Foundation
import Support

struct DataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Make and check datasets in the VANS manifest format.",
        subcommands: [SynthDataCommand.self, ValidateDataCommand.self, CurateDataCommand.self]
    )
}

/// Writes a JSON value on standard output.
private func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Writes an error line on standard error.
private func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

struct SynthDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate a VANS-Synth dataset: rendered MP4 clips and manifest.jsonl.",
        discussion: """
            Each sample is an input clip, a procedural ("what should be done next?") or predictive \
            ("what happens next?", "what if…?") question, a reasoning chain, a caption of the next event \
            and the clip showing it. Half of the samples are procedural and half predictive; the same \
            seed always gives the same bytes. Exit codes: 0 written, 1 generation failed, 64 bad option.
            """
    )

    @Option(name: .long, help: "Directory to write videos/ and manifest.jsonl into (created if missing).")
    var out: String

    @Option(name: .long, help: "Number of samples (default 800 for --split eval, the paper's 400 + 400; 1000 for train).")
    var count: Int?

    @Option(name: .long, help: "Dataset seed; the same seed gives identical files.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Split: train or eval. Their scene seeds never overlap.")
    var split: String = "train"

    @Option(name: .long, help: "Square frame size in pixels (multiple of 16, 16…112).")
    var size: Int = 64

    @Option(name: .long, help: "Frames per second of the clips.")
    var fps: Double = 8

    @Flag(name: .long, help: "Print a JSON summary on standard output.")
    var json = false

    func run() async throws {
        guard let chosenSplit = SynthSplit(rawValue: split) else {
            printError("invalid --split '\(split)': use train or eval")
            throw ExitCode(64)
        }
        let configuration = SynthConfiguration(count: count ?? (chosenSplit == .eval ? SynthConfiguration.defaultEvaluationCount : 1000),
                                               seed: seed, split: chosenSplit, size: size, fps: fps)
        do { try configuration.validate() } catch {
            printError(error.description)
            throw ExitCode(64)
        }
        let progress = ProgressBar(total: configuration.count, label: "synth")
        let summary: SynthDatasetSummary
        do { summary = try SynthDataset.write(configuration, to: URL(fileURLWithPath: out), progress: progress) } catch {
            printError(error.description)
            throw ExitCode.failure
        }
        if json {
            try printJSON(summary)
        } else {
            print("wrote \(summary.samples) samples (\(summary.procedural) procedural, \(summary.predictive) predictive) "
                + "from \(summary.scenes) scenes, \(summary.videos) videos, in \(String(format: "%.1f", summary.seconds)) s: \(summary.manifest)")
        }
    }
}

struct ValidateDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a dataset: manifest lines, ids, kinds, texts, and every video it names.",
        discussion: "Exit codes: 0 sound, 1 problems found (listed with line numbers and files), 2 no manifest to read."
    )

    @Argument(help: "Dataset directory holding manifest.jsonl (or the manifest file itself).")
    var directory: String

    @Flag(name: .long, help: "Print the report as JSON on standard output.")
    var json = false

    func run() async throws {
        let report: ValidationReport
        do { report = try DatasetValidator.validate(URL(fileURLWithPath: directory)) } catch {
            if json {
                try printJSON(ValidationReport(manifest: directory, samples: 0, videos: 0,
                                               problems: [ValidationProblem(line: nil, file: nil, message: error.description)]))
            }
            printError(error.description)
            throw ExitCode(2)
        }
        if json {
            try printJSON(report)
        } else if report.isValid {
            print("ok: \(report.samples) samples, \(report.videos) videos (\(report.manifest))")
        } else {
            print("\(report.problems.count) problem(s) in \(report.manifest):")
            for problem in report.problems { print("  \(problem)") }
        }
        if !report.isValid { throw ExitCode.failure }
    }
}
