// DiT parity with diffusers' WanTransformer3DModel on tiny random configs (scripts/fixtures/wan_transformer.py).
import Checkpoints
import Foundation
import TestSupport
import NN
import Tensor
import Testing
@testable import Wan

@Suite("Wan DiT")
struct WanTransformerTests {
    static let cases = ["t2v_basic", "t2v_batch_odd", "patch_odd", "i2v_channels", "official_layout", "i2v_image"]

    // The prediction equals diffusers' within 1e-4 relative for every config (heads, head dims, patches,
    // odd sizes, text lengths, batch, in_channels 16/36, bf16 weights widened, the official layout, I2V image tokens).
    @Test(arguments: cases)
    func outputMatchesDiffusers(name: String) throws {
        let model = try WanTransformer3DModel.load(directory: WanFixtures.url("wan_transformer/\(name)/transformer"), dtype: .float32)
        let inputs = try WanFixtures.tensors("wan_transformer/\(name)/inputs.safetensors")
        let expected = try #require(try WanFixtures.tensors("wan_transformer/\(name)/output.safetensors")["output"])
        let output = try model(inputs["hidden_states"]!, timesteps: inputs["timestep"]!.scalars,
                               context: inputs["encoder_hidden_states"]!, imageContext: inputs["encoder_hidden_states_image"])
        #expect(output.shape == expected.shape)
        #expect(WanFixtures.relativeError(output, expected) < 1e-4)
    }

    // A bf16 checkpoint loads without widening (bf16 stays bf16) and still predicts within bf16-activation noise.
    @Test func bf16StaysBF16() throws {
        let model = try WanTransformer3DModel.load(directory: WanFixtures.url("wan_transformer/i2v_channels/transformer"))
        #expect(model.parameters().values.allSatisfy { $0.dtype == .bfloat16 })
        let inputs = try WanFixtures.tensors("wan_transformer/i2v_channels/inputs.safetensors")
        let expected = try #require(try WanFixtures.tensors("wan_transformer/i2v_channels/output.safetensors")["output"])
        let output = try model(inputs["hidden_states"]!, timesteps: inputs["timestep"]!.scalars, context: inputs["encoder_hidden_states"]!)
        #expect(WanFixtures.relativeError(output, expected) < 1e-4)
        // The bf16-activation mode (diffusers' bf16 DiT) rounds activations: close at bf16 precision, not bit-equal.
        model.bfloat16Activations = true
        let rounded = try model(inputs["hidden_states"]!, timesteps: inputs["timestep"]!.scalars, context: inputs["encoder_hidden_states"]!)
        let error = WanFixtures.relativeError(rounded, expected)
        #expect(error < 3e-2 && error > 1e-6)
    }

    // An unused, a missing and a mis-shaped key are each an error naming the key.
    @Test func badCheckpointsNameTheKey() throws {
        let directory = try WanFixtures.url("wan_transformer/t2v_basic/transformer")
        let configuration = try WanTransformerConfiguration.load(from: directory.appendingPathComponent("config.json"))
        let weights = try SafetensorsCheckpoint(url: directory).allTensors()
        var extra = weights
        extra["blocks.0.attn1.extra.weight"] = Tensor.zeros([2])
        #expect(throws: NNError.unusedKeys(["blocks.0.attn1.extra.weight"])) {
            try WanTransformer3DModel(configuration: configuration).load(weights: extra)
        }
        var missing = weights
        missing["blocks.1.norm2.bias"] = nil
        #expect(throws: NNError.missingKeys(["blocks.1.norm2.bias"])) {
            try WanTransformer3DModel(configuration: configuration).load(weights: missing)
        }
        var misshaped = weights
        misshaped["scale_shift_table"] = Tensor.zeros([1, 3, configuration.hiddenSize])
        #expect(throws: NNError.shapeMismatch(key: "scale_shift_table", expected: [1, 2, configuration.hiddenSize],
                                              found: [1, 3, configuration.hiddenSize])) {
            try WanTransformer3DModel(configuration: configuration).load(weights: misshaped)
        }
    }

    // A config whose sizes overflow is a typed error naming the key, before any allocation; so is a missing directory.
    @Test func hostileConfigurationsThrow() throws {
        let directory = ScratchDirectory.root.appendingPathComponent("wan-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"num_attention_heads": 4611686018427387904, "out_channels": 4611686018427387904}"#.utf8)
            .write(to: directory.appendingPathComponent("config.json"))
        #expect(throws: WanError.self) { try WanTransformer3DModel.load(directory: directory) }
        #expect(throws: WanError.self) { try WanTransformer3DModel.load(directory: directory.appendingPathComponent("absent")) }
    }

    // Wrong input shapes are typed errors, never traps.
    @Test func badInputsThrow() throws {
        let model = try WanTransformer3DModel.load(directory: WanFixtures.url("wan_transformer/t2v_basic/transformer"))
        let context = Tensor.zeros([1, 3, model.configuration.textDimension])
        #expect(throws: WanError.self) { try model(Tensor.zeros([1, 16, 3, 5, 10]), timesteps: [1], context: context) }
        #expect(throws: WanError.self) { try model(Tensor.zeros([1, 15, 3, 6, 10]), timesteps: [1], context: context) }
        #expect(throws: WanError.self) { try model(Tensor.zeros([1, 16, 3, 6, 10]), timesteps: [1, 2], context: context) }
        #expect(throws: WanError.self) { try model(Tensor.zeros([1, 16, 3, 6, 10]), timesteps: [1], context: Tensor.zeros([1, 3, 5])) }
    }

    // Sequence conditioning equals running the concatenation [references ‖ latents] and dropping the
    // reference frames' outputs: RoPE positions continue over the references.
    @Test func sequenceConditioningIsTemporalConcatenation() throws {
        let model = try WanTransformer3DModel.load(directory: WanFixtures.url("wan_transformer/t2v_basic/transformer"))
        var generator = RandomGenerator(seed: 3)
        let references = generator.normal([1, 16, 2, 6, 10]), latents = generator.normal([1, 16, 3, 6, 10])
        let context = generator.normal([1, 4, model.configuration.textDimension])
        let conditioned = try model(latents, timesteps: [700], context: context, references: references)
        let whole = try model(Tensor.concatenate([references, latents], axis: 2), timesteps: [700], context: context)
        #expect(conditioned.shape == latents.shape)
        #expect(WanFixtures.relativeError(conditioned, whole.narrowed(axis: 2, start: 2, length: 3)) < 1e-6)
        // With t = 0 for the references, the clean tokens are modulated differently, so the prediction changes.
        var zeroConfiguration = model.configuration
        zeroConfiguration.conditioning.referenceTimestep = .zero
        let zeroModel = WanTransformer3DModel(configuration: zeroConfiguration)
        try zeroModel.update(parameters: model.parameters(), requireAll: true)
        let zeroConditioned = try zeroModel(latents, timesteps: [700], context: context, references: references)
        #expect(WanFixtures.relativeError(zeroConditioned, conditioned) > 1e-4)
        // At t = 0 both choices give the same modulation everywhere.
        let atZero = try model(latents, timesteps: [0], context: context, references: references)
        let zeroAtZero = try zeroModel(latents, timesteps: [0], context: context, references: references)
        #expect(WanFixtures.relativeError(zeroAtZero, atZero) < 1e-6)
    }
}
