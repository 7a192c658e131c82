// AutoencoderKLWan against diffusers' (scripts/fixtures/wan_vae.py): posterior mode and decoded video on tiny
// random configurations that vary widths, z, stage counts, temperal_downsample patterns, frame counts and dtype.
import Checkpoints
import Foundation
import NN
import Tensor
import Testing
@testable import Wan

/// The fixture directory of one tiny VAE.
func wanVAEFixture(_ name: String) throws -> URL {
    let root = try #require(Bundle.module.url(forResource: "Fixtures/wan_vae", withExtension: nil))
    return root.appendingPathComponent(name)
}

@Suite("Wan VAE parity with diffusers")
struct WanVAEParityTests {
    static let cases: [(model: String, frames: Int)] = [
        ("standard", 1), ("standard", 5), ("standard", 9), ("standard", 13),
        ("early_time", 5), ("early_time", 9),
        ("mixed_bf16", 1), ("mixed_bf16", 9),
        ("single_time", 5), ("single_time", 9),
    ]

    // encode(video).latent_dist.mode() and decode(mode) match diffusers within 1e-4 relative.
    @Test(arguments: cases)
    func encodeAndDecodeMatchDiffusers(model name: String, frames: Int) throws {
        let directory = try wanVAEFixture(name)
        let vae = try AutoencoderKLWan.load(directory: directory.appendingPathComponent("model"))
        let file = try SafetensorsFile(url: directory.appendingPathComponent("case_f\(frames).safetensors"))
        let latent = try vae.encodeMode(try file.tensor("video"))
        let reference = try file.tensor("latent_mode")
        #expect(latent.shape == reference.shape)
        #expect(relativeError(latent, reference) < 1e-4, "latent_mode of \(name), \(frames) frames")
        let decoded = try vae.decode(reference)
        let referenceDecoded = try file.tensor("decoded")
        #expect(decoded.shape == referenceDecoded.shape)
        #expect(relativeError(decoded, referenceDecoded) < 1e-4, "decoded of \(name), \(frames) frames")
    }

    // bf16 checkpoints stay bf16 in the model (widened per call by the convolutions).
    @Test func bf16WeightsAreKeptAsStored() throws {
        let vae = try AutoencoderKLWan.load(directory: try wanVAEFixture("mixed_bf16").appendingPathComponent("model"))
        #expect(vae.parameters().values.allSatisfy { $0.dtype == .bfloat16 })
    }

    // The official `Wan2.1_VAE.pth` names load through the rule table onto the same model.
    @Test func officialNamesLoadAndMatchDiffusers() throws {
        let directory = try wanVAEFixture("official")
        let configuration = try WanVAEConfiguration.load(from: directory.appendingPathComponent("model/config.json"))
        let weights = try SafetensorsFile(url: directory.appendingPathComponent("official.safetensors")).allTensors()
        #expect(weights.keys.contains("decoder.upsamples.3.resample.1.weight"))
        let vae = try AutoencoderKLWan.load(configuration: configuration, weights: weights)
        let file = try SafetensorsFile(url: directory.appendingPathComponent("case_f9.safetensors"))
        let latent = try vae.encodeMode(try file.tensor("video"))
        let reference = try file.tensor("latent_mode")
        #expect(relativeError(latent, reference) < 1e-4)
        let error = relativeError(try vae.decode(reference), try file.tensor("decoded"))
        #expect(error < 1e-4, "decoded: \(error)")
    }

    // normalize and denormalize are the pipelines' (x − mean)·(1/std) and x/(1/std) + mean, and invert each other.
    @Test func latentNormalisationRoundTrips() throws {
        var configuration = WanVAEConfiguration()
        configuration.baseDimension = 1
        let vae = AutoencoderKLWan(configuration: configuration)
        var generator = RandomGenerator(seed: 7)
        let latents = generator.normal([1, 16, 2, 3, 4])
        let normalized = vae.normalize(latents)
        let channel = 5, mean = Float(configuration.latentsMean[channel]), std = Float(configuration.latentsStandardDeviation[channel])
        let x = latents.sliced(axis: 1, start: channel, end: channel + 1).scalars
        let y = normalized.sliced(axis: 1, start: channel, end: channel + 1).scalars
        for (input, output) in zip(x, y) { #expect(abs(output - (input - mean) * (1 / std)) < 1e-6) }
        #expect(relativeError(vae.denormalize(normalized), latents) < 1e-6)
    }
}
