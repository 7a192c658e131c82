// A training run's directory, the thing a user opens to see what happened and what `--resume` continues from:
//   config.json          every knob of the run (written once; a resume must match it except for `steps`)
//   log.jsonl            one JSON object per step: {"step": N, "loss": …, …}
//   curves.svg           the logged series as small-multiple plots (rewritten at each checkpoint)
//   checkpoints/step-N/  model.safetensors, optimizer.safetensors, state.json (written to a temporary
//                        folder and renamed, so a kill never leaves a half checkpoint)
//   checkpoints/latest.json  which step to resume from (replaced atomically after the folder is complete)
// Exact resume rests on three things: the model and optimizer tensors saved bit for bit, the random generator's
// (seed, offset) saved in state.json, and data order that is a pure function of the step (BatchOrder).
import Checkpoints
import Foundation
import NN
import Support
import Tensor

/// Errors of training runs.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case runDirectory(path: String, reason: String)
    case checkpoint(path: String, reason: String)
    case invalidOption(name: String, reason: String)
    case data(String)

    public var description: String {
        switch self {
        case .runDirectory(let path, let reason): "run directory \(path): \(reason)"
        case .checkpoint(let path, let reason): "checkpoint \(path): \(reason)"
        case .invalidOption(let name, let reason): "--\(name): \(reason)"
        case .data(let reason): "training data: \(reason)"
        }
    }
}

/// A checkpoint read back for resuming.
public struct TrainingCheckpoint {
    public var step: Int
    /// The trained tensors as saved (full weights or adapter weights, keyed as the model keys them).
    public var tensors: [String: Tensor]
    public var optimizer: AdamW.State?
    /// The random generator to continue with.
    public var generator: RandomGenerator
    /// Free-form values the trainer saved beside (e.g. the best score so far).
    public var extra: [String: String]
}

/// The saved scalars of a checkpoint.
struct CheckpointState: Codable {
    var step: Int
    var generatorSeed: UInt64
    var generatorOffset: UInt64
    var optimizerStepCount: Int?
    var optimizerParameterSteps: [String: Int]?
    var extra: [String: String]
}

/// A run directory: configuration, per-step log, curves and atomic checkpoints.
public final class TrainingRun {
    public let directory: URL
    /// How many checkpoint folders to keep (oldest removed first).
    public var keepCheckpoints = 2
    /// The checkpoint a `resume` run continues from (nil for a fresh run).
    public private(set) var resumed: TrainingCheckpoint?

    var logURL: URL { directory.appendingPathComponent("log.jsonl") }
    var checkpointsURL: URL { directory.appendingPathComponent("checkpoints") }
    var latestURL: URL { checkpointsURL.appendingPathComponent("latest.json") }

    /// Opens `directory` for `configuration` (every knob of the run, encoded with sorted keys into config.json).
    /// A fresh run refuses a directory that already holds a run; `resume` requires one whose config.json matches
    /// (keys in `resumableKeys` may differ) and loads its latest checkpoint, dropping log lines after it so the
    /// log reads as one uninterrupted run.
    public init<Configuration: Encodable>(directory: URL, configuration: Configuration, resume: Bool,
                                          resumableKeys: Set<String> = ["steps"]) throws {
        self.directory = directory
        let manager = FileManager.default
        let configURL = directory.appendingPathComponent("config.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let encoded = try encoder.encode(configuration)
        if resume {
            guard let savedData = manager.contents(atPath: configURL.path) else {
                throw TrainingError.runDirectory(path: directory.path, reason: "no config.json to resume (start without --resume)")
            }
            guard let saved = try? JSONSerialization.jsonObject(with: savedData) as? [String: Any],
                  let current = try JSONSerialization.jsonObject(with: encoded) as? [String: Any] else {
                throw TrainingError.runDirectory(path: configURL.path, reason: "config.json is not a JSON object")
            }
            let keys = Set(saved.keys).union(current.keys).subtracting(resumableKeys)
            let differing = keys.filter { key in
                guard let a = saved[key], let b = current[key] else { return true }
                let canonical = { (value: Any) in try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys]) }
                return canonical(a) != canonical(b)
            }.sorted()
            guard differing.isEmpty else {
                throw TrainingError.runDirectory(path: directory.path,
                                                 reason: "--resume with different settings (\(differing.joined(separator: ", "))) would not continue the same run")
            }
            resumed = try loadLatestCheckpoint()
            try truncateLog(afterStep: resumed?.step ?? 0)
        } else {
            if manager.fileExists(atPath: configURL.path) || manager.fileExists(atPath: checkpointsURL.path) {
                throw TrainingError.runDirectory(path: directory.path, reason: "already holds a run (use --resume to continue it, or another --out)")
            }
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
            try? manager.removeItem(at: logURL)
        }
        try AtomicFile.write(encoded, to: configURL)
    }

    /// Appends one step's values to log.jsonl (flushed before returning, so a kill loses at most the current step).
    public func log(step: Int, _ values: [String: Double]) throws {
        var line = Data(TrainingRun.logLine(step: step, values).utf8)
        line.append(0x0A)
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: logURL)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
        try handle.synchronize()
    }

    /// `{"step":N,"key":value,…}` with keys sorted and values printed to round-trip (non-finite ones as null).
    static func logLine(step: Int, _ values: [String: Double]) -> String {
        var fields = ["\"step\":\(step)"]
        for key in values.keys.sorted() {
            let value = values[key]!
            fields.append("\(SerdeJSON.string(key)):\(value.isFinite ? "\(value)" : "null")")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// The logged entries, in order.
    public func logEntries() throws -> [[String: Double]] {
        guard let data = FileManager.default.contents(atPath: logURL.path) else { return [] }
        return try TrainingRun.parseLog(data, source: logURL.path)
    }

    static func parseLog(_ data: Data, source: String) throws -> [[String: Double]] {
        var entries: [[String: Double]] = []
        for (number, line) in data.split(separator: 0x0A).enumerated() where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw TrainingError.runDirectory(path: source, reason: "line \(number + 1) is not a JSON object")
            }
            entries.append(object.compactMapValues { ($0 as? NSNumber)?.doubleValue })
        }
        return entries
    }

    /// Writes curves.svg: one panel per logged key in `keys` (all keys but `step` when nil).
    public func writeCurves(title: String, keys: [String]? = nil) throws {
        let entries = try logEntries()
        let names = keys ?? Array(Set(entries.flatMap(\.keys)).subtracting(["step"])).sorted()
        let series = names.map { name in
            ChartSeries(title: name, points: entries.compactMap { entry in
                guard let step = entry["step"], let value = entry[name] else { return nil }
                return (step, value)
            })
        }
        let svg = SVGChart.panels(series, title: title)
        try AtomicFile.write(Data(svg.utf8), to: directory.appendingPathComponent("curves.svg"))
    }
}
