// `vans experiment pretrain`: the base models of the synthetic world, one after another (issue 13, item 2).
// Each part is its own command (pretrain-vlm, pretrain-vdm, pretrain-metrics) with its own run directory,
// progress, logs and curves; this command runs them as child processes of the same binary, so one part's memory
// is returned before the next starts and a failed part can be resumed on its own with --resume.
import ArgumentParser
import Data
import Foundation
import Support

struct ExperimentPretrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Pretrain every VANS-Synth base model: VLM (+ tokenizer), VDM (VAE, umT5, DiT), CLIP and I3D.",
        discussion: """
            Writes OUT/vlm-base, OUT/tokenizer, OUT/vdm-base, OUT/clip, OUT/i3d (each in the layout of its real \
            counterpart, with a README model card) and one run directory per part under OUT/runs/. Creates the \
            VANS-Synth train split in --data when it holds no manifest.jsonl. Runs the parts in turn as \
            `vans experiment pretrain-<part>`; --resume continues each part from its last checkpoint and skips \
            parts already finished. Writes OUT/pretrain.json with each part's wall time and exit status.
            """
    )

    @Option(help: "VANS-Synth train split (created here when it has no manifest.jsonl).")
    var data: String

    @Option(help: "Output directory for the base models and their runs.")
    var out: String

    @Option(help: "Parts to run, comma-separated, in order (vlm, vdm, metrics).")
    var parts: String = "vlm,vdm,metrics"

    @Option(help: "Seed passed to every part.")
    var seed: UInt64 = 0

    @Option(help: "Profile passed to every part: quick (seconds, for tests) or default (the documented budget).")
    var profile: String = "default"

    @Option(help: "Samples of the train split to create when --data is empty.")
    var count: Int = 1000

    @Flag(help: "Continue interrupted parts from their last checkpoints; skip finished parts.")
    var resume = false

    @Flag(help: "Print one JSON object (the content of pretrain.json) on standard output.")
    var json = false

    struct PartResult: Codable {
        var part: String
        var seconds: Double
        var status: Int32
        var skipped: Bool
    }

    func run() async throws {
        let chosen = parts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let known = ["vlm", "vdm", "metrics"]
        guard !chosen.isEmpty, chosen.allSatisfy(known.contains) else {
            FileHandle.standardError.write(Data("error: --parts takes a comma-separated subset of \(known.joined(separator: ", "))\n".utf8))
            throw ExitCode(64)
        }
        guard ["quick", "default"].contains(profile) else {
            FileHandle.standardError.write(Data("error: --profile takes quick or default\n".utf8))
            throw ExitCode(64)
        }
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        try ensureTrainSplit()
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var results: [PartResult] = []
        for part in chosen {
            let marker = outURL.appendingPathComponent("runs/.\(part)-finished")
            if resume, FileManager.default.fileExists(atPath: marker.path) {
                results.append(PartResult(part: part, seconds: 0, status: 0, skipped: true))
                continue
            }
            var arguments = ["experiment", "pretrain-\(part)", "--data", data, "--out", out, "--seed", "\(seed)", "--profile", profile]
            if resume { arguments.append("--resume") }
            if !json { print("== vans \(arguments.joined(separator: " "))") }
            let started = Date()
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            if json { process.standardOutput = FileHandle.standardError }  // keep stdout for the one JSON object
            try process.run()
            process.waitUntilExit()
            let result = PartResult(part: part, seconds: Date().timeIntervalSince(started), status: process.terminationStatus, skipped: false)
            results.append(result)
            try writeSummary(results, to: outURL)
            guard result.status == 0 else {
                FileHandle.standardError.write(Data("error: pretrain-\(part) exited with status \(result.status); rerun with --resume to continue\n".utf8))
                throw ExitCode.failure
            }
            try FileManager.default.createDirectory(at: marker.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: marker)
        }
        try writeSummary(results, to: outURL)
        if json {
            print(String(decoding: try JSONEncoder().encode(results), as: UTF8.self))
        } else {
            for result in results {
                print("\(result.part): \(result.skipped ? "already finished" : String(format: "%.0f s", result.seconds))")
            }
            print("base models in \(outURL.path)")
        }
    }

    /// Creates the train split when `data` has no manifest yet.
    func ensureTrainSplit() throws {
        let manifest = URL(fileURLWithPath: data).appendingPathComponent("manifest.jsonl")
        guard !FileManager.default.fileExists(atPath: manifest.path) else { return }
        let configuration = SynthConfiguration(count: count, seed: seed, split: .train)
        try configuration.validate()
        let progress = ProgressBar(total: configuration.count, label: "synth train split", enabled: json ? false : nil)
        _ = try SynthDataset.write(configuration, to: URL(fileURLWithPath: data), progress: progress)
    }

    func writeSummary(_ results: [PartResult], to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(results), to: directory.appendingPathComponent("pretrain.json"))
    }
}
