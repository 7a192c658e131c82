import Checkpoints
import Foundation
import TestSupport
import NN
import Tensor
import Testing
@testable import VANS

@Suite("Training runs")
struct TrainingRunTests {
    struct Settings: Codable { var steps: Int; var lr: Double; var seed: UInt64 }

    static func temporaryDirectory() -> URL {
        ScratchDirectory.root.appendingPathComponent("vans-run-\(UUID().uuidString)")
    }

    /// A linear regression trained with AdamW on seeded batches, checkpointing every `saveEvery` steps and
    /// stopping after `stopAfter` (to simulate a kill); returns the log.
    static func train(directory: URL, steps: Int, stopAfter: Int? = nil, resume: Bool, saveEvery: Int = 2) throws -> [[String: Double]] {
        let run = try TrainingRun(directory: directory, configuration: Settings(steps: steps, lr: 0.05, seed: 7), resume: resume)
        let model = Linear(weight: Tensor([0.1, -0.2, 0.3], shape: [1, 3]), bias: Tensor([0], shape: [1]))
        var generator = RandomGenerator(seed: 7)
        let optimizer = AdamW(learningRate: 0.05)
        var start = 0
        if let checkpoint = run.resumed {
            try model.update(parameters: checkpoint.tensors, requireAll: true)
            try optimizer.restore(checkpoint.optimizer!)
            generator = checkpoint.generator
            start = checkpoint.step
        }
        let order = try BatchOrder(count: 10, batchSize: 4, seed: 3)
        let inputs: [[Float]] = (0..<10).map { (i: Int) -> [Float] in
            let value = Float(i)
            return [value / 10, Float(i % 3), 1 - value / 7]
        }
        for step in start..<min(steps, stopAfter ?? steps) {
            let rows = order.indices(step: step)
            let x = Tensor(rows.flatMap { inputs[$0] }, shape: [rows.count, 3])
            let noise = generator.normal([rows.count, 1], standardDeviation: 0.01)
            let target = x.sum(axis: 1, keepingDimensions: true) + noise
            let (loss, gradients) = Gradients.valueAndGradient(of: model) { (model(x) - target).square().mean() }
            try optimizer.update(model, gradients: gradients)
            try run.log(step: step + 1, ["loss": Double(loss.item)])
            if (step + 1) % saveEvery == 0 || step + 1 == steps {
                try run.saveCheckpoint(step: step + 1, tensors: model.parameters(), optimizer: optimizer.state(), generator: generator)
            }
        }
        return try run.logEntries()
    }

    // Killed after step 5 (checkpoint at 4), resumed: the log equals the uninterrupted run's, bit for bit.
    @Test func resumeReproducesTheUninterruptedRun() throws {
        let straight = Self.temporaryDirectory(), interrupted = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: interrupted) }
        let reference = try Self.train(directory: straight, steps: 8, resume: false)
        let partial = try Self.train(directory: interrupted, steps: 8, stopAfter: 5, resume: false)
        #expect(partial.count == 5)
        let resumed = try Self.train(directory: interrupted, steps: 8, resume: true)
        #expect(reference.count == 8)
        #expect(resumed == reference)
        #expect(reference.last!["loss"]! < reference.first!["loss"]!)
    }

    // A fresh run refuses a used directory; a resume with other settings (but `steps`) is refused by name.
    @Test func refusesMismatchedDirectories() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Self.train(directory: directory, steps: 2, resume: false)
        #expect(throws: TrainingError.self) { try TrainingRun(directory: directory, configuration: Settings(steps: 2, lr: 0.05, seed: 7), resume: false) }
        #expect(throws: TrainingError.self) { try TrainingRun(directory: directory, configuration: Settings(steps: 2, lr: 0.1, seed: 7), resume: true) }
        let longer = try TrainingRun(directory: directory, configuration: Settings(steps: 9, lr: 0.05, seed: 7), resume: true)
        #expect(longer.resumed?.step == 2)
        let missing = Self.temporaryDirectory()
        #expect(throws: TrainingError.self) { try TrainingRun(directory: missing, configuration: Settings(steps: 2, lr: 0.05, seed: 7), resume: true) }
    }

    // Only the newest checkpoints are kept, latest.json names the newest, and curves.svg plots the log.
    @Test func checkpointsArePrunedAndCurvesWritten() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try Self.train(directory: directory, steps: 8, resume: false, saveEvery: 1)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("checkpoints").path).sorted()
        #expect(names == ["latest.json", "step-00000007", "step-00000008"])
        let run = try TrainingRun(directory: directory, configuration: Settings(steps: 8, lr: 0.05, seed: 7), resume: true)
        #expect(try run.latestCheckpointDirectory()?.lastPathComponent == "step-00000008")
        try run.writeCurves(title: "test run")
        let svg = try String(contentsOf: directory.appendingPathComponent("curves.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("polyline") && svg.contains(">loss<"))
    }

    // Every epoch is a permutation; the order depends only on (seed, step).
    @Test func batchOrderIsAPureFunctionOfTheStep() throws {
        let order = try BatchOrder(count: 7, batchSize: 3, seed: 11)
        #expect(order.permutation(epoch: 0).sorted() == Array(0..<7))
        #expect(order.permutation(epoch: 0) != order.permutation(epoch: 1))
        let again = try BatchOrder(count: 7, batchSize: 3, seed: 11)
        #expect((0..<10).map(order.indices(step:)) == (0..<10).map(again.indices(step:)))
        let flat = (0..<7).flatMap(order.indices(step:))  // 21 draws = exactly three epochs
        for epoch in 0..<3 { #expect(Array(flat[epoch * 7..<(epoch + 1) * 7]).sorted() == Array(0..<7)) }
        #expect(throws: TrainingError.self) { try BatchOrder(count: 0, batchSize: 1, seed: 0) }
    }

    // Restoring an optimizer state with a moment missing is refused, naming the key.
    @Test func optimizerStateIsChecked() throws {
        let state = AdamW.State(tensors: ["exp_avg.w": Tensor.zeros([2])], stepCount: 1, parameterSteps: ["w": 1])
        #expect(throws: NNError.self) { try AdamW().restore(state) }
    }

    // Packing narrows float32 weights to bfloat16 (values rounded as the engine rounds) and copies the rest unchanged.
    @Test func packingNarrowsWeightsAndKeepsOtherFiles() throws {
        let source = Self.temporaryDirectory(), destination = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: source); try? FileManager.default.removeItem(at: destination) }
        try FileManager.default.createDirectory(at: source.appendingPathComponent("transformer"), withIntermediateDirectories: true)
        let weight = Tensor([0.1, -2.5, 3.14159, 1e-3], shape: [2, 2])
        try SafetensorsWriter.write(tensors: ["w": weight, "ids": Tensor(int64: [1, 2], shape: [2])],
                                    to: source.appendingPathComponent("transformer/model.safetensors"))
        try Data("{\"a\": 1}".utf8).write(to: source.appendingPathComponent("config.json"))
        try ModelPacking.copy(source, to: destination)
        let packed = try SafetensorsFile(url: destination.appendingPathComponent("transformer/model.safetensors"))
        let narrowed = try packed.tensor("w")
        #expect(narrowed.dtype == .bfloat16)
        #expect(narrowed.converted(to: .float32).scalars == weight.converted(to: .bfloat16).converted(to: .float32).scalars)
        #expect(try packed.tensor("ids").dtype == .int64)
        #expect(try Data(contentsOf: destination.appendingPathComponent("config.json")) == Data("{\"a\": 1}".utf8))
        #expect(throws: TrainingError.self) { try ModelPacking.copy(source.appendingPathComponent("missing"), to: destination) }
    }
}
