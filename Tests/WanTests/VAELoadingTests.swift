// AutoencoderKLWan's input and checkpoint errors: frame counts that are not 4k + 1, and unused, missing or
// mis-shaped keys, each named.
import Checkpoints
import Foundation
import NN
import Tensor
import Testing
@testable import Wan

@Suite("Wan VAE errors")
struct WanVAEErrorTests {
    private func fixture() throws -> (WanVAEConfiguration, [String: Tensor]) {
        let model = try wanVAEFixture("standard").appendingPathComponent("model")
        let configuration = try WanVAEConfiguration.load(from: model.appendingPathComponent("config.json"))
        let weights = try SafetensorsFile(url: model.appendingPathComponent("diffusion_pytorch_model.safetensors")).allTensors()
        return (configuration, weights)
    }

    // A frame count other than 4k + 1 is refused with the count, never silently truncated.
    @Test(arguments: [2, 4, 6, 8, 10])
    func frameCountsThatAreNotFourKPlusOneAreRefused(frames: Int) throws {
        let (configuration, weights) = try fixture()
        let vae = try AutoencoderKLWan.load(configuration: configuration, weights: weights)
        let video = Tensor.zeros([1, 3, frames, 8, 8])
        #expect(throws: WanVAEError.frameCount(frames)) { try vae.encodeMode(video) }
        #expect(WanVAEError.frameCount(frames).description.contains("\(frames) frames"))
    }

    // Tensors of the wrong rank or channel count are refused, naming the tensor.
    @Test func wrongShapesAreRefused() throws {
        let (configuration, weights) = try fixture()
        let vae = try AutoencoderKLWan.load(configuration: configuration, weights: weights)
        #expect(throws: WanVAEError.self) { try vae.encodeMode(Tensor.zeros([1, 4, 5, 8, 8])) }
        #expect(throws: WanVAEError.self) { try vae.decode(Tensor.zeros([1, 3, 2, 2])) }
        #expect(throws: WanVAEError.self) { try vae.decode(Tensor.zeros([0, 4, 1, 2, 2])) }
        // Too small to down-sample three times (the engine's convolution would otherwise trap).
        #expect(throws: WanVAEError.self) { try vae.encodeMode(Tensor.zeros([1, 3, 1, 4, 1])) }
        #expect(throws: WanVAEError.self) { try vae.encodeMode(Tensor.zeros([1, 3, 1, 0, 8])) }
        #expect(throws: Never.self) { try vae.encodeMode(Tensor.zeros([1, 3, 1, 8, 8])) }
        do {
            _ = try vae.decode(Tensor.zeros([1, 5, 2, 2, 2]))
            Issue.record("a 5-channel latent decoded")
        } catch {
            #expect(error.description.contains("latents"))
        }
    }

    // A checkpoint without one parameter fails naming it.
    @Test func missingKeyIsNamed() throws {
        var (configuration, weights) = try fixture()
        weights["decoder.up_blocks.1.resnets.0.conv1.bias"] = nil
        #expect(throws: WanVAEError.weights(.missingKeys(["decoder.up_blocks.1.resnets.0.conv1.bias"]))) {
            try AutoencoderKLWan.load(configuration: configuration, weights: weights)
        }
    }

    // A checkpoint key no parameter claims fails naming it.
    @Test func unusedKeyIsNamed() throws {
        var (configuration, weights) = try fixture()
        weights["decoder.up_blocks.0.attentions.0.proj.weight"] = Tensor.zeros([2])
        #expect(throws: WanVAEError.weights(.unusedKeys(["decoder.up_blocks.0.attentions.0.proj.weight"]))) {
            try AutoencoderKLWan.load(configuration: configuration, weights: weights)
        }
    }

    // A tensor of the wrong shape fails naming the key and both shapes.
    @Test func misShapedKeyIsNamed() throws {
        var (configuration, weights) = try fixture()
        let key = "encoder.mid_block.attentions.0.norm.gamma"
        let expected = try #require(weights[key]).shape
        weights[key] = Tensor.ones([expected[0], 1, 1, 1])
        #expect(throws: WanVAEError.weights(.shapeMismatch(key: key, expected: expected, found: [expected[0], 1, 1, 1]))) {
            try AutoencoderKLWan.load(configuration: configuration, weights: weights)
        }
    }

    // A configuration diffusers cannot run (an encoder attention block) is refused naming attn_scales.
    @Test func encoderAttentionIsRefused() throws {
        var (configuration, weights) = try fixture()
        configuration.attentionScales = [0.5]
        do {
            _ = try AutoencoderKLWan.load(configuration: configuration, weights: weights)
            Issue.record("loaded a configuration with encoder attention")
        } catch {
            #expect(error.description.contains("attn_scales"))
        }
    }

    // A directory without config.json fails naming the file.
    @Test func missingConfigurationIsNamed() throws {
        let directory = try wanVAEFixture("official")  // holds no safetensors at its top level and no config.json
        do {
            _ = try AutoencoderKLWan.load(directory: directory)
            Issue.record("loaded a directory without config.json")
        } catch {
            #expect(error.description.contains("config.json"))
        }
    }
}

@Suite("Wan VAE checkpoint rules")
struct WanVAECheckpointRulesTests {
    // Every official key of the fixture maps to a distinct diffusers parameter of the same shape (no leftovers).
    @Test func officialKeysCoverTheModel() throws {
        let directory = try wanVAEFixture("official")
        let configuration = try WanVAEConfiguration.load(from: directory.appendingPathComponent("model/config.json"))
        let file = try SafetensorsFile(url: directory.appendingPathComponent("official.safetensors"))
        let shapes = Dictionary(uniqueKeysWithValues: file.tensorNames.map { ($0, file.tensors[$0]!.shape) })
        let plan = try CheckpointRules.wanVAE(configuration).plan(shapes: shapes)
        let comparison = plan.compared(with: AutoencoderKLWan(configuration: configuration).parameterShapes())
        #expect(comparison.loads, "\(comparison)")
        #expect(plan.mappings["decoder.up_blocks.1.resnets.0.conv_shortcut.weight"]?.source == "decoder.upsamples.4.shortcut.weight")
        #expect(plan.mappings["decoder.up_blocks.2.upsamplers.0.time_conv.bias"]?.source == "decoder.upsamples.11.time_conv.bias")
        #expect(plan.mappings["post_quant_conv.weight"]?.source == "conv2.weight")
    }

    // Diffusers-layout keys pass through the table untouched.
    @Test func diffusersKeysAreUnchanged() throws {
        let (configuration, shapes) = try {
            let model = try wanVAEFixture("standard").appendingPathComponent("model")
            let configuration = try WanVAEConfiguration.load(from: model.appendingPathComponent("config.json"))
            return (configuration, AutoencoderKLWan(configuration: configuration).parameterShapes())
        }()
        let plan = try CheckpointRules.wanVAE(configuration).plan(shapes: shapes)
        #expect(plan.mappings.allSatisfy { $0.key == $0.value.source && $0.value.rules.isEmpty })
    }
}
