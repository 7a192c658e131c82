// `vans inspect weights`: what a checkpoint holds and where each tensor goes under a model's rule table,
// like llama.cpp's tensor-name map printed out, read from the safetensors headers alone.
import ArgumentParser
import Checkpoints
import Foundation
import NN
import QwenVL
import Wan

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Look inside checkpoints without loading them.",
        subcommands: [InspectWeightsCommand.self]
    )
}

/// The rule tables `vans inspect weights --model` knows.
enum CheckpointRuleTable: String, CaseIterable, ExpressibleByArgument {
    case identity
    case qwen25VL = "qwen2.5-vl"
    case wanTransformer = "wan-transformer"
    case umt5

    var rules: CheckpointRules {
        switch self {
        case .identity: return []
        case .qwen25VL: return .qwen25VL()
        case .wanTransformer: return .wanTransformer
        case .umt5: return .umt5Encoder
        }
    }
}

struct InspectWeightsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "List every tensor of a checkpoint with its dtype and shape, and where a model's rule table maps it.",
        discussion: """
        PATH is a .safetensors file, a directory of them, a sharded checkpoint (its directory or its \
        index file, model.safetensors.index.json), or a torch.save archive (.pth/.pt, read by the restricted \
        state-dict reader). Only headers (or the pickle) are read. Each tensor line shows the stored key, dtype and shape, \
        then `→` and the module key (and shape, when a rule reshapes it), or `dropped` with the rule. Tied keys \
        (filled from another tensor) follow, then each rule with how many keys it matched.

        With --parameters (a JSON object of module key → shape, such as a reference model's state-dict shapes), \
        also lists what loading would find unused, missing or mis-shaped.

        Exit code 0 on success, 1 when the checkpoint cannot be read or a rule fails, 2 when --parameters \
        is given and the checkpoint would not load.
        """
    )

    @Argument(help: "A .safetensors file, a directory of them, a sharded checkpoint (its directory or its *.safetensors.index.json), or a torch.save .pth/.pt archive.")
    var path: String

    @Option(name: .long, help: "The rule table to map keys with.")
    var model: CheckpointRuleTable = .identity

    @Option(name: .long, help: "A JSON object of module key → shape to compare the mapped checkpoint with.")
    var parameters: String?

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    struct Report: Codable {
        struct Entry: Codable {
            var key: String
            var file: String
            var dtype: String
            var shape: [Int]
            /// The module key, or nil when a rule dropped the tensor.
            var target: String?
            var targetShape: [Int]?
            /// The rules that renamed, reshaped or dropped it, in order.
            var rules: [String]
        }
        struct Tie: Codable {
            var key: String
            var source: String
            var rule: String
        }
        struct RuleUse: Codable {
            var rule: String
            var matches: Int
        }
        struct Comparison: Codable {
            var parameters: String
            var unused: [String]
            var missing: [String]
            var shapeMismatches: [String]
        }
        var checkpoint: String
        var files: [String]
        var model: String
        var tensors: [Entry]
        var ties: [Tie]
        var rules: [RuleUse]
        var comparison: Comparison?
    }

    func run() async throws {
        var url = URL(fileURLWithPath: path)
        // An index names its shards relative to its directory, which is what the reader opens.
        if url.lastPathComponent.hasSuffix(".safetensors.index.json") { url.deleteLastPathComponent() }
        var infos: [String: StoredTensor] = [:]
        var fileNames: [String: String] = [:]
        var files: [String] = []
        if CheckpointFiles.isPyTorchArchive(url) {
            // A torch.save archive (.pth/.pt): the restricted reader parses its pickle; no tensor data is read.
            let archive = try PyTorchArchive(url: url)
            files = [url.lastPathComponent]
            for (name, info) in archive.tensors {
                infos[name] = StoredTensor(dtype: info.dtype.rawValue, shape: info.shape)
                fileNames[name] = url.lastPathComponent
            }
        } else {
            let checkpoint = try SafetensorsCheckpoint(url: url)
            files = checkpoint.files.map(\.url.lastPathComponent)
            for file in checkpoint.files {
                for (name, info) in file.tensors {
                    infos[name] = StoredTensor(dtype: info.dtype.rawValue, shape: info.shape)
                    fileNames[name] = file.url.lastPathComponent
                }
            }
        }
        let rules = model.rules
        let plan = try rules.plan(shapes: infos.mapValues(\.shape))
        let report = Report(
            checkpoint: path, files: files, model: model.rawValue,
            tensors: Self.entries(plan: plan, infos: infos, fileNames: fileNames),
            ties: plan.mappings.compactMap { key, mapping in
                mapping.tie.map { Report.Tie(key: key, source: mapping.source, rule: $0) }
            }
                .sorted { $0.key < $1.key },
            rules: zip(rules.rules, plan.ruleMatches).map { Report.RuleUse(rule: $0.description, matches: $1) },
            comparison: try parameters.map { try Self.compare(plan, withParametersAt: $0) })
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            Self.printText(report)
        }
        if let comparison = report.comparison,
           !(comparison.unused.isEmpty && comparison.missing.isEmpty && comparison.shapeMismatches.isEmpty) {
            throw ExitCode(2)
        }
    }

    /// One entry per stored tensor, sorted by key: where it maps (its own mapping, not a tie's copy) or which rule dropped it.
    /// What the listing needs of a stored tensor, from either format.
    struct StoredTensor {
        var dtype: String
        var shape: [Int]
    }

    private static func entries(plan: CheckpointPlan, infos: [String: StoredTensor],
                                fileNames: [String: String]) -> [Report.Entry] {
        var targetBySource: [String: String] = [:]
        for (target, mapping) in plan.mappings where mapping.tie == nil { targetBySource[mapping.source] = target }
        return infos.keys.sorted().map { key in
            let info = infos[key]!
            var entry = Report.Entry(key: key, file: fileNames[key]!, dtype: info.dtype, shape: info.shape,
                                     target: nil, targetShape: nil, rules: [])
            if let target = targetBySource[key], let mapping = plan.mappings[target] {
                entry.target = target
                entry.targetShape = mapping.shape
                entry.rules = mapping.rules
            } else if let rule = plan.dropped[key] {
                entry.rules = [rule]
            }
            return entry
        }
    }

    private static func compare(_ plan: CheckpointPlan, withParametersAt path: String) throws -> Report.Comparison {
        let shapes: [String: [Int]]
        do {
            shapes = try JSONDecoder().decode([String: [Int]].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ValidationError("--parameters \(path): not a JSON object of key → shape (\(error.localizedDescription))")
        }
        let comparison = plan.compared(with: shapes)
        return Report.Comparison(parameters: path, unused: comparison.unused, missing: comparison.missing,
                                 shapeMismatches: comparison.shapeMismatches.map { "\($0.key): expected \($0.expected), found \($0.found)" })
    }

    private static func printText(_ report: Report) {
        print("Checkpoint: \(report.checkpoint) (\(report.files.count) file\(report.files.count == 1 ? "" : "s"), \(report.tensors.count) tensors)")
        print("Rules:      \(report.model) (\(report.rules.count) rule\(report.rules.count == 1 ? "" : "s"))")
        print("")
        let keyWidth = min(report.tensors.map(\.key.count).max() ?? 0, 72)
        for entry in report.tensors {
            let stored = "\(entry.key.padding(toLength: max(keyWidth, entry.key.count), withPad: " ", startingAt: 0))  \(entry.dtype.padding(toLength: 4, withPad: " ", startingAt: 0)) \(entry.shape)"
            if let target = entry.target {
                var line = stored + (target == entry.key ? "" : "  → \(target)")
                if let shape = entry.targetShape, shape != entry.shape { line += (target == entry.key ? "  → " : " ") + "\(shape)" }
                print(line)
            } else {
                print(stored + "  dropped by \(entry.rules.first ?? "?")")
            }
        }
        if !report.ties.isEmpty {
            print("")
            for tie in report.ties { print("tied: \(tie.key) ← \(tie.source)") }
        }
        if !report.rules.isEmpty {
            print("")
            for (index, use) in report.rules.enumerated() {
                print("rule \(index + 1): \(use.rule): \(use.matches) key\(use.matches == 1 ? "" : "s")")
            }
        }
        guard let comparison = report.comparison else { return }
        print("")
        let loads = comparison.unused.isEmpty && comparison.missing.isEmpty && comparison.shapeMismatches.isEmpty
        print("Against \(comparison.parameters): \(loads ? "loads" : "would not load") (\(comparison.unused.count) unused, \(comparison.missing.count) missing, \(comparison.shapeMismatches.count) mis-shaped)")
        for key in comparison.unused { print("  unused:  \(key)") }
        for key in comparison.missing { print("  missing: \(key)") }
        for line in comparison.shapeMismatches { print("  shape:   \(line)") }
    }
}
