// SFT of the VLM as the paper does it (App. C.1): LoRA rank 8, α 32 on the language model's projections, lr 5e-5,
// on (input video, question) → [Think]reasoning[/Think][Ans]caption[/Ans] under the paper's system prompt, loss on
// the assistant tokens only — TRL's SFTTrainer with a peft LoraConfig, written as peft's adapter layout.
import Data
import Foundation
import NN
import QwenVL
import Support
import Tensor
import Tokenizers

/// Every knob of a VLM SFT run (config.json of the run directory).
public struct VLMFineTuningConfiguration: Codable, Sendable, Equatable {
    public var steps: Int
    public var batch: Int
    /// AdamW's rate (paper: 5e-5), constant after `warmupSteps`.
    public var learningRate: Double
    public var warmupSteps: Int
    public var weightDecay: Double
    public var rank: Int
    public var alpha: Double
    /// Seed of the adapters' initialisation and of the data order.
    public var seed: UInt64
    /// Samples of the train split written when the data folder has no manifest.
    public var samples: Int
    public var saveEvery: Int
    /// The base directory's path (recorded so a resume on another base is refused).
    public var base: String

    /// The paper's settings for `base` (steps and batch are this world's).
    public static func paper(base: String) -> VLMFineTuningConfiguration {
        VLMFineTuningConfiguration(steps: 600, batch: 8, learningRate: 5e-5, warmupSteps: 0, weightDecay: 0, rank: 8, alpha: 32,
                                   seed: 0, samples: 400, saveEvery: 100, base: base)
    }

    public func validate() throws {
        guard steps >= 1 else { throw TrainingError.invalidOption(name: "steps", reason: "must be at least 1, got \(steps)") }
        guard batch >= 1 else { throw TrainingError.invalidOption(name: "batch", reason: "must be at least 1, got \(batch)") }
        guard learningRate > 0, learningRate.isFinite else { throw TrainingError.invalidOption(name: "lr", reason: "must be positive, got \(learningRate)") }
        guard saveEvery >= 1 else { throw TrainingError.invalidOption(name: "save-every", reason: "must be at least 1, got \(saveEvery)") }
        guard samples >= 1 else { throw TrainingError.invalidOption(name: "samples", reason: "must be at least 1, got \(samples)") }
    }

    var lora: QwenVLLoRAConfiguration {
        var lora = QwenVLLoRAConfiguration()
        lora.rank = rank
        lora.alpha = Float(alpha)
        return lora
    }
}

/// What an SFT run produced.
public struct VLMFineTuningSummary: Codable, Sendable {
    public var model: String
    public var run: String
    public var examples: Int
    public var adapterParameters: Int
    public var steps: Int
    public var firstLoss: Double?
    public var finalLoss: Double?
    public var seconds: Double
}

/// LoRA SFT of a VLM directory into `output/vlm-sft/` (the base's files + `adapter/`) and `output/run/`.
public enum VLMFineTuning {
    /// Loads `base` in float32, adds the adapters and trains them (everything else frozen).
    public static func prepareModel(base: URL, configuration: VLMFineTuningConfiguration) throws -> (QwenVLModel, LoRAAdapters) {
        let model = try QwenVLModel.load(directory: base)
        try model.load(weights: model.parameters().filter { $0.key != "lm_head.weight" || !model.configuration.text.tieWordEmbeddings }
            .mapValues { $0.converted(to: .float32) })
        let adapters = try QwenVLLoRA.apply(to: model, configuration: configuration.lora, seed: configuration.seed)
        return (model, adapters)
    }

    public static func run(configuration: VLMFineTuningConfiguration, data: URL, output: URL, resume: Bool, command: String,
                           stopAfter: Int? = nil, progress: Bool = false) throws -> VLMFineTuningSummary {
        try configuration.validate()
        let started = Date()
        let base = URL(fileURLWithPath: configuration.base)
        let samples = try VLMTrainingData.samples(directory: data, count: configuration.samples, seed: configuration.seed,
                                                  progress: progress ? ProgressBar(total: configuration.samples, label: "data") : nil)
        let tokenizer = try Tokenizer(directory: base)
        let preset = try QwenVLPreset.vansSynth(tokenizer: tokenizer)
        let (model, adapters) = try prepareModel(base: base, configuration: configuration)
        let format = AnswerFormat()
        let processor = QwenVLProcessor(tokenizer: tokenizer, options: preset.processorOptions, systemPrompt: format.systemPrompt,
                                        vision: model.configuration.vision)
        let examples = try VLMTrainingData.fineTuningExamples(samples: samples, root: data, processor: processor, format: format,
                                                              progress: progress ? ProgressBar(total: samples.count, label: "videos") : nil)
        let runURL = output.appendingPathComponent("run")
        let trainingRun = try TrainingRun(directory: runURL, configuration: configuration, resume: resume)
        let optimizer = AdamW(learningRate: configuration.learningRate, weightDecay: configuration.weightDecay,
                              schedule: .constantWithWarmup(warmupSteps: configuration.warmupSteps))
        var loop = VLMTrainingLoop(steps: configuration.steps, batch: configuration.batch, seed: configuration.seed,
                                   saveEvery: configuration.saveEvery)
        loop.stopAfter = stopAfter
        try loop.train(model: model, examples: examples, optimizer: optimizer, run: trainingRun, title: "VLM SFT (LoRA, VANS-Synth)",
                       progress: progress ? ProgressBar(total: configuration.steps, label: "sft-vlm") : nil)
        let entries = try trainingRun.logEntries()
        let modelURL = output.appendingPathComponent("vlm-sft")
        try VLMDirectory.copyBase(base, to: modelURL)
        try QwenVLLoRA.save(adapters, configuration: configuration.lora, to: modelURL.appendingPathComponent("adapter"))
        let adapterParameters = adapters.savedWeights().values.reduce(0) { $0 + $1.elementCount }
        try Data(modelCard(configuration: configuration, entries: entries, examples: examples.count,
                           adapterParameters: adapterParameters, command: command).utf8)
            .write(to: modelURL.appendingPathComponent("README.md"), options: .atomic)
        return VLMFineTuningSummary(model: modelURL.path, run: runURL.path, examples: examples.count,
                                    adapterParameters: adapterParameters, steps: entries.count, firstLoss: entries.first?["loss"],
                                    finalLoss: entries.last?["loss"], seconds: Date().timeIntervalSince(started))
    }

    static func modelCard(configuration: VLMFineTuningConfiguration, entries: [[String: Double]], examples: Int,
                          adapterParameters: Int, command: String) -> String {
        let losses = entries.compactMap { $0["loss"] }
        return """
            # VANS-Synth VLM (SFT)

            The base VANS-Synth VLM (its files, copied from `\(configuration.base)`) with a PEFT LoRA adapter in \
            `adapter/` (rank \(configuration.rank), α \(configuration.alpha), every projection of the language model; \
            \(adapterParameters) parameters) trained as the paper's VLM SFT (App. C.1): (input video, question) → \
            `[Think]reasoning[/Think][Ans]caption[/Ans]` under the paper's system prompt, loss on the assistant tokens.

            - Training: AdamW lr \(configuration.learningRate), batch \(configuration.batch), \(entries.count) steps over \
            \(examples) examples, seed \(configuration.seed)
            - Loss: first \(losses.first.map { String(format: "%.4f", $0) } ?? "–"), \
            last \(losses.last.map { String(format: "%.4f", $0) } ?? "–")
            - Load: `QwenVLCaptioner(directory: dir, adapter: dir/adapter)`, or peft's `PeftModel.from_pretrained`.

            Made with:

            ```
            \(command)
            ```

            """
    }
}
