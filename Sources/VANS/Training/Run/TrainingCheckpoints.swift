// Atomic checkpoints of a TrainingRun: a complete folder appears under its final name or not at all, and
// latest.json (itself replaced atomically) names the newest complete one.
import Checkpoints
import Foundation
import NN
import Support
import Tensor

extension TrainingRun {
    /// Saves the trained `tensors`, the optimizer state and the generator as checkpoint `step`, then points
    /// latest.json at it and removes checkpoints beyond `keepCheckpoints`.
    public func saveCheckpoint(step: Int, tensors: [String: Tensor], optimizer: AdamW.State?, generator: RandomGenerator,
                               extra: [String: String] = [:]) throws {
        let manager = FileManager.default
        try manager.createDirectory(at: checkpointsURL, withIntermediateDirectories: true)
        let name = String(format: "step-%08d", step)
        let final = checkpointsURL.appendingPathComponent(name)
        let temporary = checkpointsURL.appendingPathComponent(".\(name).partial-\(getpid())")
        try? manager.removeItem(at: temporary)
        try manager.createDirectory(at: temporary, withIntermediateDirectories: true)
        try SafetensorsWriter.write(tensors: tensors, metadata: ["format": "pt"], to: temporary.appendingPathComponent("model.safetensors"))
        if let optimizer {
            try SafetensorsWriter.write(tensors: optimizer.tensors, metadata: ["format": "pt"],
                                        to: temporary.appendingPathComponent("optimizer.safetensors"))
        }
        let state = CheckpointState(step: step, generatorSeed: generator.seed, generatorOffset: generator.offset,
                                    optimizerStepCount: optimizer?.stepCount, optimizerParameterSteps: optimizer?.parameterSteps,
                                    extra: extra)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(state), to: temporary.appendingPathComponent("state.json"))
        try? manager.removeItem(at: final)
        try manager.moveItem(at: temporary, to: final)
        try AtomicFile.write(try encoder.encode(["checkpoint": name]), to: latestURL)
        try pruneCheckpoints(keeping: name)
    }

    /// The folder of the latest complete checkpoint, or nil when the run has none yet.
    public func latestCheckpointDirectory() throws -> URL? {
        guard let data = FileManager.default.contents(atPath: latestURL.path) else { return nil }
        guard let pointer = try? JSONDecoder().decode([String: String].self, from: data), let name = pointer["checkpoint"],
              !name.contains("/"), !name.hasPrefix(".") else {
            throw TrainingError.checkpoint(path: latestURL.path, reason: "not a {\"checkpoint\": \"step-…\"} pointer")
        }
        return checkpointsURL.appendingPathComponent(name)
    }

    func loadLatestCheckpoint() throws -> TrainingCheckpoint? {
        guard let folder = try latestCheckpointDirectory() else { return nil }
        let stateURL = folder.appendingPathComponent("state.json")
        guard let stateData = FileManager.default.contents(atPath: stateURL.path) else {
            throw TrainingError.checkpoint(path: stateURL.path, reason: "missing")
        }
        let state: CheckpointState
        do { state = try JSONDecoder().decode(CheckpointState.self, from: stateData) } catch {
            throw TrainingError.checkpoint(path: stateURL.path, reason: "\(error)")
        }
        let tensors = try SafetensorsFile(url: folder.appendingPathComponent("model.safetensors")).allTensors()
        var optimizer: AdamW.State?
        let optimizerURL = folder.appendingPathComponent("optimizer.safetensors")
        if let stepCount = state.optimizerStepCount {
            guard FileManager.default.fileExists(atPath: optimizerURL.path) else {
                throw TrainingError.checkpoint(path: optimizerURL.path, reason: "missing (state.json records an optimizer)")
            }
            optimizer = AdamW.State(tensors: try SafetensorsFile(url: optimizerURL).allTensors(), stepCount: stepCount,
                                    parameterSteps: state.optimizerParameterSteps ?? [:])
        }
        return TrainingCheckpoint(step: state.step, tensors: tensors, optimizer: optimizer,
                                  generator: RandomGenerator(seed: state.generatorSeed, offset: state.generatorOffset),
                                  extra: state.extra)
    }

    /// Keeps log lines up to and including `step`, so a resumed run's log has no lines from the killed tail.
    func truncateLog(afterStep step: Int) throws {
        guard let data = FileManager.default.contents(atPath: logURL.path) else { return }
        var kept = Data()
        for line in data.split(separator: 0x0A) where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                  let lineStep = (object["step"] as? NSNumber)?.intValue else { continue }  // a torn last line
            if lineStep <= step { kept.append(line); kept.append(0x0A) }
        }
        try AtomicFile.write(kept, to: logURL)
    }

    func pruneCheckpoints(keeping newest: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: checkpointsURL.path)
            .filter { $0.hasPrefix("step-") }.sorted()
        for name in names.dropLast(max(keepCheckpoints, 1)) where name != newest {
            try? FileManager.default.removeItem(at: checkpointsURL.appendingPathComponent(name))
        }
    }
}

/// Data order as a pure function of the step, so a resumed run sees exactly the batches the uninterrupted run
/// would: epoch e is a seeded shuffle of 0..<count, and step s takes the next `batchSize` indices.
public struct BatchOrder: Sendable {
    public let count: Int
    public let batchSize: Int
    public let seed: UInt64

    public init(count: Int, batchSize: Int, seed: UInt64) throws {
        guard count > 0 else { throw TrainingError.data("no training samples") }
        guard batchSize > 0 else { throw TrainingError.invalidOption(name: "batch", reason: "must be positive, got \(batchSize)") }
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
    }

    /// The sample indices of step `step` (0-based).
    public func indices(step: Int) -> [Int] {
        (0..<batchSize).map { slot in
            let position = step * batchSize + slot
            return permutation(epoch: position / count)[position % count]
        }
    }

    /// The seeded Fisher–Yates shuffle of epoch `epoch` (SplitMix64 draws).
    public func permutation(epoch: Int) -> [Int] {
        var state = seed &+ UInt64(epoch) &* 0x9E3779B97F4A7C15
        func next() -> UInt64 {
            state = state &+ 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        return order
    }
}
