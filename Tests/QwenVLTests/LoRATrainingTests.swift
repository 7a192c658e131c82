// LoRA training support against scripts/fixtures/qwen_lora.py (PEFT 0.21.2 + transformers 5.25): PEFT adapters
// load, adapter gradients of a GRPO-shaped loss match within 1e-4, our saved adapter has PEFT's layout, merging
// keeps outputs.
import Checkpoints
import Foundation
import TestSupport
import NN
import Tensor
import Testing
@testable import QwenVL

@Suite struct QwenLoRATests {
    /// −Σ_t weights[t] · log p(completion[t]) under the tempered distribution, as the fixture's loss.
    static func loss(_ model: QwenVLModel, _ fixture: QwenLoRAFixture) throws -> Tensor {
        let logProbabilities = try QwenVLScoring.logProbabilityTensor(
            model: model, input: fixture.input, completions: [fixture.completion], temperature: fixture.temperature)  // [1, T]
        return -(logProbabilities.squeezed(0) * fixture.weights).sum()
    }

    // A PEFT-saved adapter loads; completion log-probs (1e-5) and every adapter gradient (1e-4) match PEFT's.
    @Test(arguments: QwenLoRAFixture.names) func gradientsMatchPEFT(name: String) throws {
        let fixture = try QwenLoRAFixture(name)
        let model = try fixture.model()
        let (adapters, configuration) = try QwenVLLoRA.load(into: model, from: fixture.adapterDirectory)
        let expected = try fixture.expected()
        #expect(adapters.layers.count * 2 == expected.keys.filter { $0.hasSuffix(".grad") }.count)
        #expect(configuration.rank == adapters.layers[0].layer.rank)
        // Only adapters train: the vision tower, embeddings and base weights are frozen.
        #expect(model.trainableParameters().keys.allSatisfy { $0.hasSuffix("lora_A.weight") || $0.hasSuffix("lora_B.weight") })
        let scores = try QwenVLScoring.logProbabilityTensor(model: model, input: fixture.input, completions: [fixture.completion],
                                                            temperature: fixture.temperature)
        let expectedScores = try #require(expected["token_log_probs"]).scalars
        #expect(relativeDifference(scores.scalars, expectedScores) <= 1e-5)
        let (value, gradients) = try Gradients.valueAndGradient(of: model) { try Self.loss(model, fixture) }
        #expect(relativeDifference([value.item], try #require(expected["loss"]).scalars) <= 1e-5)
        #expect(gradients.count == adapters.layers.count * 2)
        for (key, gradient) in gradients {
            let reference = try #require(expected["\(LoRAAdapters.savedKeyPrefix)\(key).grad"], "no PEFT gradient for \(key)")
            #expect(gradient.shape == reference.shape, "\(key)")
            #expect(relativeDifference(gradient.scalars, reference.scalars) <= 1e-4, "\(name) \(key)")
        }
    }

    // With every decoder layer recomputed in backward, the loss and adapter gradients equal the plain tape's (1e-6:
    // the same ops); with the MLP recomputed in 5-token chunks, within the gradient tolerance 1e-4 (the chunked
    // matmuls reassociate sums); both within 1e-4 of PEFT's.
    @Test func recomputedLayersGiveSameGradients() throws {
        let fixture = try QwenLoRAFixture("default_targets")
        let model = try fixture.model()
        _ = try QwenVLLoRA.load(into: model, from: fixture.adapterDirectory)
        func loss(recompute: Bool, chunk: Int) throws -> Tensor {
            let scores = try QwenVLScoring.logProbabilityTensor(model: model, input: fixture.input, completions: [fixture.completion],
                                                                temperature: fixture.temperature, recomputeLayers: recompute,
                                                                recomputeChunk: chunk)
            return -(scores.squeezed(0) * fixture.weights).sum()
        }
        let plain = try Gradients.valueAndGradient(of: model) { try loss(recompute: false, chunk: 4096) }
        let expected = try fixture.expected()
        for (chunk, bound) in [(4096, Float(1e-6)), (5, Float(1e-4))] {
            let recomputed = try Gradients.valueAndGradient(of: model) { try loss(recompute: true, chunk: chunk) }
            #expect(relativeDifference([recomputed.value.item], [plain.value.item]) <= 1e-6)
            #expect(plain.gradients.keys.sorted() == recomputed.gradients.keys.sorted())
            for (key, gradient) in recomputed.gradients {
                #expect(relativeDifference(gradient.scalars, plain.gradients[key]!.scalars) <= bound, "chunk \(chunk) \(key)")
                let reference = try #require(expected["\(LoRAAdapters.savedKeyPrefix)\(key).grad"])
                #expect(relativeDifference(gradient.scalars, reference.scalars) <= 1e-4, "chunk \(chunk) \(key)")
            }
        }
    }

    // Our saved adapter has PEFT's file layout: the same keys and shapes as PEFT's file, a config PEFT reads, and it
    // reloads to identical outputs.
    @Test(arguments: QwenLoRAFixture.names) func savedAdapterHasPEFTLayout(name: String) throws {
        let fixture = try QwenLoRAFixture(name)
        let model = try fixture.model()
        let (adapters, configuration) = try QwenVLLoRA.load(into: model, from: fixture.adapterDirectory)
        let root = ProcessInfo.processInfo.environment["VANS_LORA_SAVE_DIR"].map { URL(fileURLWithPath: $0) }
            ?? ScratchDirectory.root.appendingPathComponent("qwen-lora-\(UUID().uuidString)")
        let directory = root.appendingPathComponent(name)
        defer { if ProcessInfo.processInfo.environment["VANS_LORA_SAVE_DIR"] == nil { try? FileManager.default.removeItem(at: root) } }
        try QwenVLLoRA.save(adapters, configuration: configuration, to: directory)
        let theirs = try SafetensorsFile(url: fixture.adapterDirectory.appendingPathComponent("adapter_model.safetensors"))
        let ours = try SafetensorsFile(url: directory.appendingPathComponent("adapter_model.safetensors"))
        #expect(Set(ours.tensorNames) == Set(theirs.tensorNames))
        for key in theirs.tensorNames { #expect(ours.tensors[key]?.shape == theirs.tensors[key]?.shape, "\(key)") }
        let config = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("adapter_config.json"))) as? [String: Any])
        #expect(config["peft_type"] as? String == "LORA" && config["r"] as? Int == configuration.rank)
        let reloaded = try fixture.model()
        _ = try QwenVLLoRA.load(into: reloaded, from: directory)
        let completions = [fixture.completion]
        #expect(try QwenVLScoring.logProbabilities(model: reloaded, input: fixture.input, completions: completions)
                == QwenVLScoring.logProbabilities(model: model, input: fixture.input, completions: completions))
    }

    // Merging folds the adapters into the base weights without changing outputs (1e-5); unmerging restores them.
    @Test func mergeKeepsOutputs() throws {
        let fixture = try QwenLoRAFixture("default_targets")
        let model = try fixture.model()
        let adapters = try QwenVLLoRA.load(into: model, from: fixture.adapterDirectory).adapters
        let completions = [fixture.completion]
        let before = try QwenVLScoring.logProbabilities(model: model, input: fixture.input, completions: completions)[0]
        adapters.merge()
        let merged = try QwenVLScoring.logProbabilities(model: model, input: fixture.input, completions: completions)[0]
        #expect(relativeDifference(merged, before) <= 1e-5)
        adapters.unmerge()
        #expect(try QwenVLScoring.logProbabilities(model: model, input: fixture.input, completions: completions)[0] == before)
    }

    // apply() adapts exactly the decoder's target projections (none in the vision tower), with the paper's defaults.
    @Test func applyTargetsLanguageModelOnly() throws {
        let fixture = try QwenLoRAFixture("default_targets")
        let model = try fixture.model()
        let adapters = try QwenVLLoRA.apply(to: model)
        let layers = model.configuration.text.hiddenLayers
        #expect(adapters.layers.count == layers * 7)
        #expect(adapters.keys.allSatisfy { $0.hasPrefix("model.language_model.layers.") })
        #expect(adapters.layers.allSatisfy { $0.layer.rank == 8 && $0.layer.alpha == 32 })
        var attention = QwenVLLoRAConfiguration()
        attention.targets = ["q_proj", "v_proj"]
        #expect(try QwenVLLoRA.apply(to: try fixture.model(), configuration: attention).layers.count == layers * 2)
    }

    // Adapter files with unsupported options or foreign tensors are refused with the key named.
    @Test func badAdapterFilesThrow() throws {
        let fixture = try QwenLoRAFixture("attention_rank4")
        let directory = ScratchDirectory.root.appendingPathComponent("qwen-bad-lora-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let weights = directory.appendingPathComponent("adapter_model.safetensors")
        try FileManager.default.copyItem(at: fixture.adapterDirectory.appendingPathComponent("adapter_model.safetensors"), to: weights)
        let config = directory.appendingPathComponent("adapter_config.json")
        try Data(#"{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "use_dora": true}"#.utf8).write(to: config)
        #expect(throws: QwenVLError.self) { try QwenVLLoRA.load(into: try fixture.model(), from: directory) }
        try Data(#"{"peft_type": "LORA", "r": 4, "lora_alpha": 8}"#.utf8).write(to: config)
        _ = try QwenVLLoRA.load(into: try fixture.model(), from: directory)
        try SafetensorsWriter.write(tensors: ["base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_A.weight": Tensor.zeros([4, 3])],
                                    to: weights)
        #expect(throws: (any Error).self) { try QwenVLLoRA.load(into: try fixture.model(), from: directory) }
    }
}

/// Peak-memory probe for layer recomputation (run by hand, one mode per process, under `/usr/bin/time -v`):
/// `VANS_RECOMPUTE_PROBE=plain|recompute swift test --filter QwenRecomputationProbe` (MLP recomputed 512 tokens at a time).
@Suite struct QwenRecomputationProbe {
    // A 2048-token forward+backward through an 8-layer, width-512 decoder with LoRA on all seven projections
    // yields a finite loss and a gradient for every adapter, in either mode.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["VANS_RECOMPUTE_PROBE"] != nil))
    func forwardBackward() throws {
        let recompute = ProcessInfo.processInfo.environment["VANS_RECOMPUTE_PROBE"] == "recompute"
        let model = try probeModel()
        let adapters = try QwenVLLoRA.apply(to: model)
        let prompt = (0..<1536).map { ($0 * 7919) % 990 }, completion = (0..<512).map { ($0 * 104729) % 990 }
        let started = Date()
        let (value, gradients) = try Gradients.valueAndGradient(of: model) {
            let scores = try QwenVLScoring.logProbabilityTensor(model: model, input: QwenVLInput(tokens: [prompt]), completions: [completion],
                                                                recomputeLayers: recompute, recomputeChunk: 512)
            return -scores.sum()
        }
        print("probe \(recompute ? "recompute" : "plain"): loss \(value.item), \(Date().timeIntervalSince(started)) s")
        #expect(value.item.isFinite)
        #expect(gradients.count == adapters.layers.count * 2)
    }
}
