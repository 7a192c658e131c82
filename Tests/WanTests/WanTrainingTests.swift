// Training support: the flow-matching loss's gradients equal PyTorch's (scripts/fixtures/wan_transformer.py,
// `gradients/`), the timestep grid and weights, full-block and LoRA trainable sets.
import Checkpoints
import Foundation
import NN
import Tensor
import Testing
@testable import Wan

@Suite("Wan training")
struct WanTrainingTests {
    // Every parameter's gradient of mean((v − (ε − x₀))²) matches torch autograd within 1e-4 relative,
    // with and without gradient checkpointing of the blocks.
    @Test(arguments: [false, true])
    func lossGradientsMatchTorch(checkpointing: Bool) throws {
        let model = try WanTransformer3DModel.load(directory: WanFixtures.url("wan_transformer/t2v_basic/transformer"), dtype: .float32)
        model.gradientCheckpointing = checkpointing
        let inputs = try WanFixtures.tensors("wan_transformer/gradients/inputs.safetensors")
        let expected = try WanFixtures.tensors("wan_transformer/gradients/gradients.safetensors")
        let sigma = inputs["sigma"]!.item
        let step = WanTrainingTimestep(index: 0, sigma: sigma, timestep: sigma * 1000, weight: 1)
        let objective = WanFlowMatchingLoss(shift: 1)
        let (loss, gradients) = try Gradients.valueAndGradient(of: model) {
            try objective.loss(model: model, clean: inputs["clean"]!, noise: inputs["noise"]!, at: step,
                               context: inputs["encoder_hidden_states"]!)
        }
        #expect(abs(loss.item - inputs["loss"]!.item) <= 1e-5 * inputs["loss"]!.item)
        #expect(Set(gradients.keys) == Set(expected.keys))
        for (key, reference) in expected {
            let gradient = try #require(gradients[key])
            #expect(WanFixtures.relativeError(gradient, reference) < 1e-4, "\(key)")
        }
    }

    // The grid is DiffSynth's: σ_0 = 1 descending, shift applied, and the weights average to 1 and peak mid-way.
    @Test func timestepGridAndWeights() {
        let objective = WanFlowMatchingLoss(shift: 5, referenceWeighting: true)
        #expect(objective.sigmas.count == 1000 && objective.sigmas[0] == 1)
        #expect(zip(objective.sigmas, objective.sigmas.dropFirst()).allSatisfy { $0 > $1 })
        #expect(abs(objective.weights.reduce(0, +) / 1000 - 1) < 1e-4)
        let peak = objective.weights.indices.max { objective.weights[$0] < objective.weights[$1] }!
        #expect(abs(objective.sigmas[peak] - 0.5) < 0.01)
        #expect(WanFlowMatchingLoss(shift: 5).timestep(at: peak).weight == 1)
        var generator = RandomGenerator(seed: 1)
        let drawn = (0..<200).map { _ in objective.sampleTimestep(generator: &generator).index }
        #expect(drawn.allSatisfy { (0..<1000).contains($0) } && Set(drawn).count > 150)
    }

    // Full fine-tuning trains exactly the blocks; LoRA trains exactly one A/B pair per attention q, k, v, o.
    @Test func trainableSets() throws {
        let directory = try WanFixtures.url("wan_transformer/t2v_basic/transformer")
        let model = try WanTransformer3DModel.load(directory: directory, dtype: .float32)
        try WanFineTuning.trainBlocks(of: model)
        #expect(model.trainableParameters().keys.allSatisfy { $0.hasPrefix("blocks.") })
        #expect(model.trainableParameters().count == model.parameters().keys.filter { $0.hasPrefix("blocks.") }.count)
        let adapted = try WanTransformer3DModel.load(directory: directory, dtype: .float32)
        var generator = RandomGenerator(seed: 2)
        let adapters = try WanFineTuning.applyLoRA(to: adapted, rank: 4, alpha: 8, initializer: &generator)
        #expect(adapters.keys.count == adapted.configuration.layers * 2 * 4)
        #expect(adapted.trainableParameters().count == adapters.keys.count * 2)
        // peft initialises B to zero, so the adapted model predicts exactly what the base model does.
        let inputs = try WanFixtures.tensors("wan_transformer/t2v_basic/inputs.safetensors")
        let base = try model(inputs["hidden_states"]!, timesteps: [999], context: inputs["encoder_hidden_states"]!)
        let withAdapters = try adapted(inputs["hidden_states"]!, timesteps: [999], context: inputs["encoder_hidden_states"]!)
        #expect(WanFixtures.relativeError(withAdapters, base) < 1e-6)
    }

    // Checkpointed LoRA training gives the adapters the same gradients as the plain tape, with references
    // prepended at t = 0 (two modulation runs) so every checkpointed input kind is exercised.
    @Test func checkpointedLoRAGradientsEqualPlain() throws {
        let directory = try WanFixtures.url("wan_transformer/t2v_basic/transformer")
        var results: [[String: Tensor]] = []
        for checkpointing in [false, true] {
            var configuration = try WanTransformerConfiguration.load(from: directory.appendingPathComponent("config.json"))
            configuration.conditioning.referenceTimestep = .zero
            let model = WanTransformer3DModel(configuration: configuration)
            try model.load(weights: try SafetensorsCheckpoint(url: directory).allTensors(), dtype: .float32)
            var generator = RandomGenerator(seed: 8)
            let adapters = try WanFineTuning.applyLoRA(to: model, rank: 2, alpha: 4, initializer: &generator)
            // Non-zero B so the adapters change the output and get gradients in A too.
            for (_, layer) in adapters.layers { layer.adapterUp = generator.normal(layer.adapterUp.shape, standardDeviation: 0.1) }
            try model.unfreeze(["condition_embedder"])
            model.gradientCheckpointing = checkpointing
            let clean = generator.normal([1, 16, 2, 6, 10]), noise = generator.normal([1, 16, 2, 6, 10])
            let references = generator.normal([1, 16, 1, 6, 10]), context = generator.normal([1, 5, configuration.textDimension])
            let objective = WanFlowMatchingLoss(shift: 5, referenceWeighting: true)
            let (_, gradients) = try Gradients.valueAndGradient(of: model) {
                try objective.loss(model: model, clean: clean, noise: noise, at: objective.timestep(at: 300), context: context,
                                   references: references)
            }
            results.append(gradients)
        }
        #expect(Set(results[0].keys) == Set(results[1].keys) && results[0].keys.contains { $0.contains("lora_A") })
        for (key, plain) in results[0] {
            #expect(WanFixtures.relativeError(results[1][key]!, plain) < 1e-5, "\(key)")
        }
    }
}
