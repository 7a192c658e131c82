// Pretraining the VANS-Synth VLM from scratch: a byte-level BPE tokenizer trained on the world's text, then the
// tiny Qwen2.5-VL of QwenVLPreset.vansSynth trained in full (vision tower + decoder) as a generic video describer,
// as Qwen2.5-VL's own pretraining teaches captioning before any instruction format.
import Data
import Foundation
import NN
import QwenVL
import Support
import Tensor
import Tokenizers

/// Every knob of a VLM pretraining run (config.json of the run directory).
public struct VLMPretrainingConfiguration: Codable, Sendable, Equatable {
    /// `quick` (seconds, for tests) or `default` (the measured VANS-Synth run).
    public var profile: String
    /// Optimizer steps.
    public var steps: Int
    /// Examples per step.
    public var batch: Int
    /// AdamW's peak rate (reached after `warmupSteps`, then constant).
    public var learningRate: Double
    public var warmupSteps: Int
    public var weightDecay: Double
    /// Seed of the weights' initialisation and of the data order.
    public var seed: UInt64
    /// Samples of the train split written when the data folder has no manifest.
    public var samples: Int
    /// The tokenizer's vocabulary size (the 22 Qwen2.5-VL added tokens come on top).
    public var vocabularySize: Int
    /// Checkpoint every this many steps.
    public var saveEvery: Int

    /// A profile's settings.
    public static func profile(_ name: String) throws -> VLMPretrainingConfiguration {
        switch name {
        case "quick":
            return VLMPretrainingConfiguration(profile: name, steps: 6, batch: 2, learningRate: 2e-3, warmupSteps: 0,
                                               weightDecay: 0.01, seed: 0, samples: 4, vocabularySize: 400, saveEvery: 3)
        case "default":
            return VLMPretrainingConfiguration(profile: name, steps: 1200, batch: 8, learningRate: 2e-3, warmupSteps: 50,
                                               weightDecay: 0.01, seed: 0, samples: 400, vocabularySize: 1024, saveEvery: 100)
        default:
            throw TrainingError.invalidOption(name: "profile", reason: "must be quick or default, got \(name)")
        }
    }

    /// Rejects impossible settings, naming the option.
    public func validate() throws {
        guard steps >= 1 else { throw TrainingError.invalidOption(name: "steps", reason: "must be at least 1, got \(steps)") }
        guard batch >= 1 else { throw TrainingError.invalidOption(name: "batch", reason: "must be at least 1, got \(batch)") }
        guard learningRate > 0, learningRate.isFinite else { throw TrainingError.invalidOption(name: "lr", reason: "must be positive, got \(learningRate)") }
        guard samples >= 1 else { throw TrainingError.invalidOption(name: "samples", reason: "must be at least 1, got \(samples)") }
        guard vocabularySize >= 300 else { throw TrainingError.invalidOption(name: "vocab-size", reason: "must be at least 300, got \(vocabularySize)") }
        guard saveEvery >= 1 else { throw TrainingError.invalidOption(name: "save-every", reason: "must be at least 1, got \(saveEvery)") }
    }
}

/// What a pretraining run produced.
public struct VLMPretrainingSummary: Codable, Sendable {
    public var tokenizer: String
    public var model: String
    public var run: String
    public var examples: Int
    public var parameters: Int
    public var steps: Int
    public var firstLoss: Double?
    public var finalLoss: Double?
    public var seconds: Double
}

/// Tokenizer training, model initialisation, full pretraining and the `vlm-base/` directory.
public enum VLMPretraining {
    /// Runs the whole stage: `output/tokenizer/`, `output/run/` (TrainingRun) and `output/vlm-base/`.
    /// `command` is recorded in the model card.
    public static func run(configuration: VLMPretrainingConfiguration, data: URL, output: URL, resume: Bool,
                           command: String, stopAfter: Int? = nil, progress: Bool = false) throws -> VLMPretrainingSummary {
        try configuration.validate()
        let started = Date()
        let samples = try VLMTrainingData.samples(directory: data, count: configuration.samples, seed: configuration.seed,
                                                  progress: progress ? ProgressBar(total: configuration.samples, label: "data") : nil)
        // The tokenizer: trained once; a resumed run reuses the one it trained.
        let tokenizerURL = output.appendingPathComponent("tokenizer")
        if !(resume && FileManager.default.fileExists(atPath: tokenizerURL.appendingPathComponent("tokenizer.json").path)) {
            let trainer = BPETrainer(vocabularySize: configuration.vocabularySize, minimumFrequency: 2)
            try trainer.train(texts: VLMTrainingData.texts(of: samples), preset: .qwen2VL).write(to: tokenizerURL)
        }
        let tokenizer = try Tokenizer(directory: tokenizerURL)
        let preset = try QwenVLPreset.vansSynth(tokenizer: tokenizer)
        // Pretraining prompts keep the template's default system turn: the VANS prompt arrives with SFT.
        let processor = QwenVLProcessor(tokenizer: tokenizer, options: preset.processorOptions, systemPrompt: nil,
                                        vision: preset.configuration.vision)
        let examples = try VLMTrainingData.pretrainingExamples(
            samples: samples, root: data, processor: processor,
            progress: progress ? ProgressBar(total: samples.count, label: "videos") : nil)
        let model = try QwenVLModel.randomlyInitialized(configuration: preset.configuration, seed: configuration.seed)
        try model.prepareFullTraining()
        let runURL = output.appendingPathComponent("run")
        let trainingRun = try TrainingRun(directory: runURL, configuration: configuration, resume: resume)
        let optimizer = AdamW(learningRate: configuration.learningRate, weightDecay: configuration.weightDecay,
                              schedule: .constantWithWarmup(warmupSteps: configuration.warmupSteps))
        var loop = VLMTrainingLoop(steps: configuration.steps, batch: configuration.batch, seed: configuration.seed,
                                   saveEvery: configuration.saveEvery)
        loop.stopAfter = stopAfter
        try loop.train(model: model, examples: examples, optimizer: optimizer, run: trainingRun, title: "VLM pretraining (VANS-Synth)",
                       afterUpdate: { try model.retieHead() },
                       progress: progress ? ProgressBar(total: configuration.steps, label: "pretrain-vlm") : nil)
        let entries = try trainingRun.logEntries()
        let modelURL = output.appendingPathComponent("vlm-base")
        let card = modelCard(configuration: configuration, model: model, examples: examples.count, command: command,
                             entries: entries)
        try VLMDirectory.write(model: model, preset: preset, tokenizer: tokenizerURL, to: modelURL, card: card)
        return VLMPretrainingSummary(tokenizer: tokenizerURL.path, model: modelURL.path, run: runURL.path, examples: examples.count,
                                     parameters: VLMDirectory.parameterCount(model), steps: entries.count,
                                     firstLoss: entries.first?["loss"], finalLoss: entries.last?["loss"],
                                     seconds: Date().timeIntervalSince(started))
    }

    static func modelCard(configuration: VLMPretrainingConfiguration, model: QwenVLModel, examples: Int, command: String,
                          entries: [[String: Double]]) -> String {
        let text = model.configuration.text, vision = model.configuration.vision
        let losses = entries.compactMap { $0["loss"] }
        return """
            # VANS-Synth VLM (base)

            A tiny Qwen2.5-VL (`Qwen2_5_VLForConditionalGeneration` layout) trained from scratch on the VANS-Synth \
            world as a generic video describer: answer clips → their caption ("\(VLMTrainingData.describeEventQuestion)"), \
            input clips → what they show (the observation sentences of their reasoning) ("\(VLMTrainingData.describeSceneQuestion)"). It has not seen the \
            [Think]/[Ans] format yet; `vans train sft-vlm` teaches it.

            - Parameters: \(VLMDirectory.parameterCount(model)) (vision tower \(vision.depth) blocks × \(vision.hiddenSize), \
            decoder \(text.hiddenLayers) layers × \(text.hiddenSize), vocabulary \(text.vocabularySize), tied embeddings)
            - Input profile: video at 2 fps, frames resized to 56×56 (vans_profile.json)
            - Training: all weights, AdamW lr \(configuration.learningRate) (warm-up \(configuration.warmupSteps) steps, \
            weight decay \(configuration.weightDecay)), batch \(configuration.batch), \(entries.count) steps over \(examples) examples, \
            answer-token cross-entropy, seed \(configuration.seed), profile `\(configuration.profile)`
            - Loss: first \(losses.first.map { String(format: "%.4f", $0) } ?? "–"), \
            last \(losses.last.map { String(format: "%.4f", $0) } ?? "–")
            - Tokenizer: byte-level BPE trained on the train split's text (`tokenizer.json`), Qwen2.5-VL added tokens

            Made with:

            ```
            \(command)
            ```

            """
    }
}
