// `vans experiment synth-models`: the one command that makes the shipped VANS-Synth models (models/vans-synth):
// pretraining of every base model, SFT of the VLM and of the VDM as the paper (App. C.1), then the SFT models
// and the metric networks copied with bfloat16 weights. Each step is a child process of the same binary with its
// own run directory, so an interrupted run continues with --resume.
import ArgumentParser
import Foundation
import Support
import VANS

struct ExperimentSynthModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-models",
        abstract: "Make the shipped VANS-Synth models: pretrain, SFT (VLM and VDM), pack as bf16.",
        discussion: """
            Runs, in order: `vans experiment pretrain` (train split in WORK/data, base models in WORK/base), \
            `vans train sft-vlm` and `vans train sft-vdm` (WORK/sft-vlm, WORK/sft-vdm), then copies vlm-sft, \
            vdm-sft and clip into --out with float32 weights stored as bfloat16. The result is what \
            `make demo` uses (models/vans-synth). Same seed, same models.
            """
    )

    @Option(help: "Where the shipped models go.")
    var out: String = "models/vans-synth"

    @Option(help: "Working directory for data, base models and runs.")
    var work: String = "synth-models-work"

    @Option(help: "Seed for data, initialisation and training.")
    var seed: UInt64 = 0

    @Option(help: "Profile of every step: quick (seconds, for tests) or default.")
    var profile: String = "default"

    @Option(help: "Pretraining parts (vlm, vdm, metrics); without metrics no clip/ is shipped.")
    var parts: String = "vlm,vdm,metrics"

    @Flag(help: "Continue an interrupted run.")
    var resume = false

    func run() async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let workURL = URL(fileURLWithPath: work)
        let data = workURL.appendingPathComponent("data").path, base = workURL.appendingPathComponent("base").path
        func step(_ arguments: [String], finishedMarker name: String) throws {
            let marker = workURL.appendingPathComponent(".\(name)-finished")
            if resume, FileManager.default.fileExists(atPath: marker.path) { return }
            print("== vans \(arguments.joined(separator: " "))")
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments + (resume ? ["--resume"] : [])
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                FileHandle.standardError.write(Data("error: step \(name) failed (status \(process.terminationStatus)); rerun with --resume\n".utf8))
                throw ExitCode.failure
            }
            guard FileManager.default.createFile(atPath: marker.path, contents: Data()) else {
                FileHandle.standardError.write(Data("error: cannot write \(marker.path) (the marker that lets --resume skip \(name))\n".utf8))
                throw ExitCode.failure
            }
        }
        try FileManager.default.createDirectory(at: workURL, withIntermediateDirectories: true)
        let common = ["--seed", "\(seed)"]
        try step(["experiment", "pretrain", "--data", data, "--out", base, "--profile", profile, "--parts", parts] + common, finishedMarker: "pretrain")
        let sftVLM = workURL.appendingPathComponent("sft-vlm").path, sftVDM = workURL.appendingPathComponent("sft-vdm").path
        // The SFT commands have no profiles: quick shortens them by their step counts. The from-scratch VLM needs
        // lr 1e-3 to learn the answer format in 600 steps (measured: 5e-5 left 0/16 answers in format).
        let quick = profile == "quick"
        try step(["train", "sft-vlm", "--data", data, "--base", "\(base)/vlm-base", "--out", sftVLM, "--lr", "1e-3"]
                    + (quick ? ["--steps", "2", "--batch", "2", "--save-every", "1"] : []) + common,
                 finishedMarker: "sft-vlm")
        try step(["train", "sft-vdm", "--data", data, "--base", "\(base)/vdm-base", "--out", sftVDM]
                    + (quick ? ["--steps", "2", "--batch", "1", "--limit", "4", "--save-every", "1"] : []) + common,
                 finishedMarker: "sft-vdm")
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        var total = 0
        // I3D (12 M parameters at the port's fixed widths) stays in WORK/base/i3d: too large to ship in the repository.
        for (source, name) in [("\(sftVLM)/vlm-sft", "vlm-sft"), ("\(sftVDM)/vdm-sft", "vdm-sft"), ("\(base)/clip", "clip")] {
            guard FileManager.default.fileExists(atPath: source) else { continue }
            total += try ModelPacking.copy(URL(fileURLWithPath: source), to: outURL.appendingPathComponent(name))
        }
        print(String(format: "packed models in %@ (%.1f MB, bf16 weights)", outURL.path, Double(total) / 1_048_576))
    }
}
