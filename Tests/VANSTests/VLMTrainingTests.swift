// VLM pretraining and SFT (Sources/VANS/Training/Pretrain/VLM*, SFT/VLM*): tokenizer and directory contract, loss
// going down, exact resume, LoRA-only updates and the saved adapter matching the trained model.
import Checkpoints
import Data
import Foundation
import TestSupport
import NN
import QwenVL
import Tensor
import Testing
import Tokenizers
@testable import VANS

/// A quick pretraining (4-sample train split, quick profile) shared by the tests that only read its outputs.
private enum QuickPretraining {
    static let output: Result<URL, any Error> = Result {
        let root = ScratchDirectory.root.appendingPathComponent("vans-vlm-tests-\(getpid())-\(UUID().uuidString)")
        _ = try VLMPretraining.run(configuration: try .profile("quick"), data: root.appendingPathComponent("data"),
                                   output: root.appendingPathComponent("out"), resume: false, command: "test")
        return root
    }
}

private func temporaryDirectory() -> URL {
    ScratchDirectory.root.appendingPathComponent("vans-vlm-test-\(UUID().uuidString)")
}

@Suite("VLM training")
struct VLMTrainingTests {
    // The trained tokenizer holds every chat and vision token the vans-synth preset and the captioner need.
    @Test func tokenizerHasTheQwenSpecialTokens() throws {
        let root = try QuickPretraining.output.get()
        let tokenizer = try Tokenizer(directory: root.appendingPathComponent("out/tokenizer"))
        for token in ["<|endoftext|>", ChatTemplate.imStart, ChatTemplate.imEnd, ChatTemplate.visionStart, ChatTemplate.visionEnd,
                      ChatTemplate.imagePad, ChatTemplate.videoPad] {
            #expect(tokenizer.id(for: token) != nil, "missing \(token)")
        }
        let preset = try QwenVLPreset.vansSynth(tokenizer: tokenizer)
        #expect(preset.configuration.videoTokenId == tokenizer.id(for: ChatTemplate.videoPad))
        #expect(preset.configuration.text.vocabularySize == tokenizer.vocabularySize)
    }

    // vlm-base/ is a Hugging Face Qwen2.5-VL directory the captioner loads and answers with, with the profile keys.
    @Test func baseDirectoryLoadsWithTheCaptioner() throws {
        let root = try QuickPretraining.output.get()
        let base = root.appendingPathComponent("out/vlm-base")
        for name in ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                     "vans_profile.json", "README.md"] {
            #expect(FileManager.default.fileExists(atPath: base.appendingPathComponent(name).path), "missing \(name)")
        }
        let profile = try JSONSerialization.jsonObject(with: Data(contentsOf: base.appendingPathComponent("vans_profile.json"))) as? [String: Any]
        #expect(Set(profile?.keys.map { $0 } ?? []) == ["profile", "fps", "min_pixels", "max_pixels", "max_new_tokens", "answer_format"])
        let stored = try SafetensorsFile(url: base.appendingPathComponent("model.safetensors")).allTensors()
        #expect(stored["model.visual.patch_embed.proj.weight"]?.shape == [64, 3, 2, 14, 14])  // transformers' Conv3d kernel
        #expect(stored["lm_head.weight"] == nil)  // tied, as transformers saves it
        let preset = try QwenVLPreset.vansSynth(tokenizer: try Tokenizer(directory: base))
        let captioner = try QwenVLCaptioner(directory: base, options: preset.processorOptions)
        let sample = try Manifest.read(from: root.appendingPathComponent("data/manifest.jsonl"))[0]
        var options = QwenVLSamplingOptions()
        options.maximumTokens = 4
        let caption = try captioner.caption(question: sample.question, videoPath: root.appendingPathComponent("data/\(sample.inputVideo)").path,
                                            options: options)
        #expect(caption.result.completions.count == 1)
        #expect(caption.prompt.video?.grid.h == 4)
    }

    // Full training on one example lowers its loss within a few steps, with the tied head kept tied.
    @Test func pretrainingLossDecreases() throws {
        let root = try QuickPretraining.output.get()
        let tokenizer = try Tokenizer(directory: root.appendingPathComponent("out/tokenizer"))
        let preset = try QwenVLPreset.vansSynth(tokenizer: tokenizer)
        let processor = QwenVLProcessor(tokenizer: tokenizer, options: preset.processorOptions, systemPrompt: nil, vision: preset.configuration.vision)
        let samples = try Manifest.read(from: root.appendingPathComponent("data/manifest.jsonl"))
        let examples = Array(try VLMTrainingData.pretrainingExamples(samples: samples, root: root.appendingPathComponent("data"),
                                                                     processor: processor).prefix(1))
        let model = try QwenVLModel.randomlyInitialized(configuration: preset.configuration, seed: 3)
        try model.prepareFullTraining()
        let run = try TrainingRun(directory: temporaryDirectory(), configuration: ["test": 1], resume: false)
        let losses = try VLMTrainingLoop(steps: 8, batch: 1, seed: 0, saveEvery: 100)
            .train(model: model, examples: examples, optimizer: AdamW(learningRate: 3e-3), run: run, title: "test",
                   afterUpdate: { try model.retieHead() })
        #expect(losses.count == 8)
        #expect(losses.last! < losses.first! - 0.5)
        let parameters = model.parameters()
        #expect(parameters["lm_head.weight"]!.scalars == parameters["model.language_model.embed_tokens.weight"]!.scalars)
        #expect(parameters["model.visual.patch_embed.proj.weight"] != nil)
    }

    // The answer loss is transformers' labels loss: −Σ log p(answer token | prefix) read from the full-sequence logits
    // of the ordinary forward (lm_head), positions promptLength−1 … L−2 predicting the answer.
    @Test func answerLossMatchesShiftedLabels() throws {
        let root = try QuickPretraining.output.get()
        let base = root.appendingPathComponent("out/vlm-base")
        let model = try QwenVLModel.load(directory: base)
        let tokenizer = try Tokenizer(directory: base)
        let preset = try QwenVLPreset.vansSynth(tokenizer: tokenizer)
        let processor = QwenVLProcessor(tokenizer: tokenizer, options: preset.processorOptions, vision: preset.configuration.vision)
        let sample = try Manifest.read(from: root.appendingPathComponent("data/manifest.jsonl"))[0]
        let video = try processor.videoProcessor.process(path: root.appendingPathComponent("data/\(sample.inputVideo)").path)
        let example = try processor.trainingExample(question: sample.question, video: video, answer: sample.answerCaption)
        #expect(example.answerIDs.last == tokenizer.id(for: ChatTemplate.imEnd))
        let (sum, count) = try Autograd.withoutGradient { try model.answerLoss(example) }
        var input = example.prompt.modelInput
        input.tokens = [example.tokens]
        var (tokens, state) = try model.prepare(input)
        let logits = Autograd.withoutGradient { model.logits(tokens, state: &state) }.squeezed(0)    // [L, V]
        let vocabulary = logits.shape[1], values = logits.scalars
        var expected = 0.0
        for (offset, target) in example.answerIDs.enumerated() {
            let row = Array(values[(example.prompt.inputIDs.count - 1 + offset) * vocabulary ..< (example.prompt.inputIDs.count + offset) * vocabulary]).map(Double.init)
            let top = row.max()!
            expected += top + log(row.map { exp($0 - top) }.reduce(0, +)) - row[target]
        }
        #expect(count == example.answerIDs.count)
        #expect(abs(Double(sum.item) - expected) / expected < 1e-5)
    }

    // N steps straight and N/2 steps, a stop, then --resume to N write the same log, byte for byte, and the same weights.
    @Test func pretrainingResumesExactly() throws {
        let root = try QuickPretraining.output.get()
        let data = root.appendingPathComponent("data")
        let straight = temporaryDirectory(), resumed = temporaryDirectory()
        let configuration = try VLMPretrainingConfiguration.profile("quick")
        _ = try VLMPretraining.run(configuration: configuration, data: data, output: straight, resume: false, command: "test")
        _ = try VLMPretraining.run(configuration: configuration, data: data, output: resumed, resume: false, command: "test",
                                   stopAfter: configuration.steps / 2)
        _ = try VLMPretraining.run(configuration: configuration, data: data, output: resumed, resume: true, command: "test")
        let log = { (url: URL) in try String(contentsOf: url.appendingPathComponent("run/log.jsonl"), encoding: .utf8) }
        #expect(try log(straight) == log(resumed))
        #expect(try log(straight).split(separator: "\n").count == configuration.steps)
        let weights = { (url: URL) in try Data(contentsOf: url.appendingPathComponent("vlm-base/model.safetensors")) }
        #expect(try weights(straight) == weights(resumed))
    }

    // SFT trains the adapters only: every base weight is unchanged, the adapters moved, and the adapter saved in
    // vlm-sft/adapter gives the captioner (merged) the same logits as the trained in-memory model.
    @Test func fineTuningTrainsAdaptersOnlyAndSavesThem() throws {
        let root = try QuickPretraining.output.get()
        let data = root.appendingPathComponent("data"), base = root.appendingPathComponent("out/vlm-base")
        var configuration = VLMFineTuningConfiguration.paper(base: base.path)
        (configuration.steps, configuration.batch, configuration.saveEvery, configuration.learningRate) = (3, 2, 10, 1e-2)
        let output = temporaryDirectory()
        _ = try VLMFineTuning.run(configuration: configuration, data: data, output: output, resume: false, command: "test")
        let sft = output.appendingPathComponent("vlm-sft")
        // The in-memory model of the run, rebuilt from its final checkpoint (the same tensors the loop left).
        let (model, adapters) = try VLMFineTuning.prepareModel(base: base, configuration: configuration)
        let before = model.parameters().filter { !$0.key.contains("lora_") }.mapValues(\.scalars)
        let run = try TrainingRun(directory: output.appendingPathComponent("run"), configuration: configuration, resume: true)
        try model.update(parameters: try #require(run.resumed).tensors)
        #expect(run.resumed?.tensors.keys.allSatisfy { $0.contains("lora_") } == true)
        #expect(run.resumed?.tensors.count == adapters.keys.count * 2)
        for (key, values) in model.parameters().filter({ !$0.key.contains("lora_") }).mapValues(\.scalars) {
            #expect(values == before[key], "base weight \(key) changed")
        }
        #expect(adapters.layers.contains { $0.layer.adapterUp.scalars.contains { $0 != 0 } })
        // Same prompt through both models.
        let tokenizer = try Tokenizer(directory: sft)
        let preset = try QwenVLPreset.vansSynth(tokenizer: tokenizer)
        let captioner = try QwenVLCaptioner(directory: sft, adapter: sft.appendingPathComponent("adapter"), options: preset.processorOptions)
        let sample = try Manifest.read(from: data.appendingPathComponent("manifest.jsonl"))[0]
        let prompt = try captioner.processor.prepare(question: sample.question, videoPath: data.appendingPathComponent(sample.inputVideo).path)
        func logits(_ model: QwenVLModel) throws -> [Float] {
            var (tokens, state) = try model.prepare(prompt.modelInput)
            return Autograd.withoutGradient { model.logits(tokens, state: &state) }.scalars
        }
        let ours = try logits(model), loaded = try logits(captioner.model)
        let scale = max(1, ours.map(abs).max() ?? 0)
        let difference = zip(ours, loaded).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference / scale < 1e-5)
        let saved = try SafetensorsFile(url: sft.appendingPathComponent("adapter/adapter_model.safetensors")).allTensors()
        #expect(saved.keys.allSatisfy { $0.hasPrefix(LoRAAdapters.savedKeyPrefix) })
    }
}
