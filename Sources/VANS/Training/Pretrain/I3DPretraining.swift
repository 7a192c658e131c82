// VANS-Synth I3D: cd-fvd's `InceptionI3d` (the architecture of `Sources/I3D`) trained from scratch as a classifier of
// the synthetic world's event types, on answer clips preprocessed exactly as FVD preprocesses them (224×224
// bilinear, [−1, 1]). Its time-averaged logits — one per event type — are what FVD then compares.
// Batch norms keep identity running statistics (frozen): the network trains as a plain ReLU ConvNet with
// He-uniform initialisation, which keeps evaluation-mode behaviour identical to training.
import Checkpoints
import Foundation
import I3D
import NN
import Support
import Tensor
import VideoMetrics

/// Every knob of an I3D pretraining run (encoded into the run's config.json).
public struct I3DPretrainingParameters: Codable, Sendable, Equatable {
    public var steps = 150
    public var batchSize = 2
    public var learningRate = 1e-4
    public var weightDecay = 0.01
    public var warmupSteps = 10
    public var seed: UInt64 = 0
    /// Frames per training clip (a contiguous window, at least I3D's 9); evaluation uses whole clips.
    public var frames = 9
    public var checkpointEvery = 20
    /// Clips of the training manifest used (nil: all).
    public var clipLimit: Int?

    public init() {}

    /// Finishes in seconds: for tests and `make test`.
    public static var quick: I3DPretrainingParameters {
        var parameters = I3DPretrainingParameters()
        parameters.steps = 2
        parameters.batchSize = 1
        parameters.warmupSteps = 0
        parameters.checkpointEvery = 1
        parameters.clipLimit = 8
        return parameters
    }

    enum CodingKeys: String, CodingKey {
        case steps, batchSize = "batch_size", learningRate = "learning_rate", weightDecay = "weight_decay"
        case warmupSteps = "warmup_steps", seed, frames, checkpointEvery = "checkpoint_every", clipLimit = "clip_limit"
    }
}

/// What an I3D pretraining run produced.
public struct I3DPretrainingResult: Sendable, Codable {
    public var file: String
    public var steps: Int
    public var eventTypes: [String]
    public var firstLoss: Double
    public var finalLoss: Double
    /// Top-1 event-type accuracy on the held-out clips (whole clips).
    public var heldOutAccuracy: Double?
    public var heldOutClips: Int?
    public var seconds: Double
}

/// The I3D pretraining loop.
public enum I3DPretraining {
    /// The file name of the weights inside the output directory.
    public static let weightsFileName = "i3d_vans_synth.safetensors"

    /// He-uniform convolutions, a zero logits layer, zero biases, identity batch norms.
    static func initialWeights(for model: InceptionI3d, generator: inout RandomGenerator) -> [String: Tensor] {
        var weights: [String: Tensor] = [:]
        for (key, tensor) in model.parameters().sorted(by: { $0.key < $1.key }) {
            let shape = tensor.shape
            if key == "logits.conv3d.weight" {
                weights[key] = Tensor.zeros(shape)  // uniform logits at the start: the first loss is ln(classes)
            } else if key.hasSuffix(".conv3d.weight") {
                let bound = Float((6.0 / Double(shape[1...].reduce(1, *))).squareRoot())
                weights[key] = generator.uniform(shape, low: -bound, high: bound)
            } else if key.hasSuffix(".bn.weight") || key.hasSuffix(".bn.running_var") {
                weights[key] = Tensor.ones(shape)
            } else {
                weights[key] = Tensor.zeros(shape)
            }
        }
        return weights
    }

    /// The clip as FVD feeds it, [1, 3, T, 224, 224] in [−1, 1].
    static func preprocessed(_ clip: MetricPretrainingClip, start: Int, length: Int) throws -> Tensor {
        let window = Array(clip.frames[start..<min(start + length, clip.frames.count)])
        return try FVDPreprocessing.videoTensor(frames: window, name: clip.sampleID)
    }

    /// Trains on `train`, measures accuracy on `evaluation` (when given) and writes `output/i3d_vans_synth.safetensors`,
    /// `output/config.json` (classes and event-type names) and README.md; the run directory is `output/run`.
    public static func run(train: [MetricPretrainingClip], evaluation: [MetricPretrainingClip]?, parameters: I3DPretrainingParameters,
                           output: URL, resume: Bool, command: String, showProgress: Bool = false,
                           stoppingAfter: Int? = nil) throws -> I3DPretrainingResult {
        let started = Date()
        guard parameters.steps > 0, parameters.batchSize > 0, parameters.checkpointEvery > 0 else {
            throw TrainingError.invalidOption(name: "steps", reason: "steps, batch and checkpoint interval must be positive")
        }
        guard parameters.frames >= I3DConfiguration.minimumFrames else {
            throw TrainingError.invalidOption(name: "frames", reason: "I3D needs at least \(I3DConfiguration.minimumFrames), got \(parameters.frames)")
        }
        let clips = (parameters.clipLimit.map { Array(train.prefix($0)) } ?? train).filter { $0.eventType != nil }
        guard !clips.isEmpty else { throw TrainingError.data("no training clips with an event_type") }
        if let short = clips.first(where: { $0.frames.count < parameters.frames }) {
            throw TrainingError.data("clip \(short.sampleID) has \(short.frames.count) frames, fewer than --frames \(parameters.frames)")
        }
        let eventTypes = Array(Set(clips.compactMap(\.eventType))).sorted()
        let labels = Dictionary(uniqueKeysWithValues: eventTypes.enumerated().map { ($0.element, $0.offset) })
        let model = try InceptionI3d(configuration: I3DConfiguration(numberOfClasses: eventTypes.count))
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let run = try TrainingRun(directory: output.appendingPathComponent("run"), configuration: parameters, resume: resume)
        let optimizer = AdamW(learningRate: parameters.learningRate, weightDecay: parameters.weightDecay,
                              schedule: .cosine(warmupSteps: parameters.warmupSteps, totalSteps: parameters.steps))
        var generator = RandomGenerator(seed: parameters.seed)
        var startStep = 0
        if let checkpoint = run.resumed {
            try model.update(parameters: checkpoint.tensors, requireAll: true)
            if let state = checkpoint.optimizer { try optimizer.restore(state) }
            generator = checkpoint.generator
            startStep = checkpoint.step
        } else {
            try model.update(parameters: initialWeights(for: model, generator: &generator), requireAll: true)
        }
        try model.freeze(model.parameters().keys.filter { $0.hasSuffix("running_mean") || $0.hasSuffix("running_var") }.sorted())
        let order = try BatchOrder(count: clips.count, batchSize: min(parameters.batchSize, clips.count), seed: parameters.seed)
        let bar = ProgressBar(total: parameters.steps, label: "I3D pretraining", enabled: showProgress ? nil : false)
        bar.advance(by: startStep)
        var firstLoss = try run.logEntries().first?["loss"] ?? .nan, lastLoss = Double.nan
        for step in startStep..<parameters.steps {
            let indices = order.indices(step: step)
            // The window start is a pure function of (step, slot), so a resumed run sees the same crops.
            let videos = try indices.enumerated().map { slot, index in
                let clip = clips[index]
                let span = clip.frames.count - parameters.frames + 1
                let start = Int((UInt64(step) &* 0x9E37_79B9 &+ UInt64(slot) &* 0x85EB_CA6B &+ parameters.seed) % UInt64(span))
                return try preprocessed(clip, start: start, length: parameters.frames)
            }
            let batch = Tensor.concatenate(videos, axis: 0)  // [B, 3, T, 224, 224]
            let targets = Tensor(int64: indices.map { Int64(labels[clips[$0].eventType!]!) }, shape: [indices.count])
            let (loss, gradients) = try Gradients.valueAndGradient(of: model) { try model(batch).crossEntropy(targets: targets) }
            let (clipped, norm) = Gradients.clippedByGlobalNorm(gradients, maximumNorm: 1)
            try model.update(parameters: optimizer.step(parameters: model.trainableParameters(), gradients: clipped))
            lastLoss = Double(loss.item)
            if step == 0 { firstLoss = lastLoss }
            try run.log(step: step + 1, ["loss": lastLoss, "gradient_norm": Double(norm)])
            bar.advance()
            let stopping = stoppingAfter.map { step + 1 >= $0 } ?? false
            if (step + 1) % parameters.checkpointEvery == 0 || step + 1 == parameters.steps || stopping {
                try run.saveCheckpoint(step: step + 1, tensors: model.parameters(), optimizer: optimizer.state(), generator: generator)
                try run.writeCurves(title: "VANS-Synth I3D pretraining")
            }
            if stopping { break }
        }
        bar.finish()
        if let stoppingAfter, stoppingAfter < parameters.steps {
            // A stand-in for a kill (tests of exact resume): the checkpoint is written, nothing else.
            return I3DPretrainingResult(file: "", steps: 0, eventTypes: eventTypes, firstLoss: firstLoss, finalLoss: lastLoss,
                                        heldOutAccuracy: nil, heldOutClips: nil, seconds: Date().timeIntervalSince(started))
        }
        let weightsURL = output.appendingPathComponent(weightsFileName)
        try SafetensorsWriter.write(tensors: model.parameters().mapValues { $0.contiguous() }, metadata: ["format": "pt"], to: weightsURL)
        let configuration: [String: Any] = [
            "architecture": "InceptionI3d", "num_classes": eventTypes.count, "in_channels": 3, "batch_norm_eps": 1e-5,
            "event_types": eventTypes, "weights": weightsFileName, "input": "FVD preprocessing: 224x224 bilinear, 2x/255-1",
        ]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted, .sortedKeys]),
                             to: output.appendingPathComponent("config.json"))
        var result = I3DPretrainingResult(file: weightsURL.path, steps: parameters.steps, eventTypes: eventTypes, firstLoss: firstLoss,
                                          finalLoss: lastLoss, heldOutAccuracy: nil, heldOutClips: nil, seconds: 0)
        if let evaluation {
            let held = evaluation.filter { $0.eventType.flatMap { labels[$0] } != nil }
            if !held.isEmpty {
                let loaded = try InceptionI3d.load(contentsOf: weightsURL)
                var hits = 0
                try Autograd.withoutGradient {
                    for clip in held {
                        let logits = try loaded(try preprocessed(clip, start: 0, length: clip.frames.count)).scalars
                        let best = logits.indices.max { logits[$0] < logits[$1] } ?? 0
                        if best == labels[clip.eventType!]! { hits += 1 }
                    }
                }
                result.heldOutAccuracy = Double(hits) / Double(held.count)
                result.heldOutClips = held.count
            }
        }
        result.seconds = Date().timeIntervalSince(started)
        let accuracy = result.heldOutAccuracy.map { String(format: "%.3f on %d held-out clips (chance %.3f)", $0, result.heldOutClips ?? 0, 1 / Double(eventTypes.count)) } ?? "not measured"
        let card = """
        # VANS-Synth I3D

        cd-fvd's Inception-I3D (the architecture and state-dict keys of `i3d_pretrained_400.pt`, as `Sources/I3D` loads \
        them; full widths — `Sources/I3D` fixes the channel widths) trained from scratch to classify the \
        \(eventTypes.count) event types of VANS-Synth answer clips (`\(weightsFileName)`; classes in config.json). \
        Its time-averaged logits are the FVD features: every FVD computed with it is a **VANS-Synth I3D** number, not \
        comparable with Kinetics-400 FVDs.

        - Training: \(clips.count) clips, \(parameters.frames)-frame windows at 224×224, \(parameters.steps) steps of batch \
        \(parameters.batchSize), AdamW lr \(parameters.learningRate), seed \(parameters.seed); batch norms frozen at identity.
        - Loss: \(String(format: "%.4f", firstLoss)) → \(String(format: "%.4f", lastLoss)).
        - Held-out top-1 accuracy: \(accuracy).
        - Made by: `\(command)`; run log and curves in `run/`.
        """
        try AtomicFile.write(Data((card + "\n").utf8), to: output.appendingPathComponent("README.md"))
        return result
    }
}
