// `vans debug wan-vae`: Wan2.1's causal 3-D VAE (diffusers AutoencoderKLWan) on a video from a safetensors file, in
// float32 whatever the stored weight dtype: writes the posterior mode and its decoding for conformance checks.
import ArgumentParser
import Checkpoints
import Foundation
import Support
import Tensor
import Wan

struct DebugWanVAECommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wan-vae",
        abstract: "Encode a video with the Wan VAE and decode the posterior mode (float32).",
        discussion: """
        Reads `video` (float [B, 3, F, H, W] in [-1, 1], F = 4k + 1) from --inputs and writes to --out:
          latent_mode  [B, z, 1 + (F-1)/4, H/8, W/8]: the posterior mean before latents_mean/std normalisation,
                       as diffusers' `vae.encode(video).latent_dist.mode()`;
          decoded      [B, 3, F, H', W']: `vae.decode(latent_mode).sample` (clamped to [-1, 1]).
        Weights stored in bf16/f16 are widened exactly to float32 on load.
        """
    )

    @Option(name: .long, help: "A diffusers VAE directory (config.json + safetensors), or a pipeline directory holding vae/.")
    var model: String

    @Option(name: .long, help: "A safetensors file holding `video` (float [B, 3, F, H, W]).")
    var inputs: String

    @Option(name: .long, help: "The safetensors file to write `latent_mode` and `decoded` to.")
    var out: String

    @Flag(name: .long, help: "Print one JSON object (shapes and timings) instead of text.")
    var json = false

    struct Report: Codable {
        var latentMode: [Int]
        var decoded: [Int]
        var encodeSeconds: Double
        var decodeSeconds: Double
    }

    func run() async throws {
        var directory = URL(fileURLWithPath: model)
        let nested = directory.appendingPathComponent("vae")
        if FileManager.default.fileExists(atPath: nested.appendingPathComponent("config.json").path) { directory = nested }
        let vae = try AutoencoderKLWan.load(directory: directory, dtype: .float32)
        let inputFile = try SafetensorsFile(url: URL(fileURLWithPath: inputs))
        let info = try inputFile.info("video")
        guard info.dtype.engineDType.isFloatingPoint else {
            throw ValidationError("\(inputs): tensor 'video' is \(info.dtype), expected a float tensor")
        }
        let video = try inputFile.tensor("video").converted(to: .float32)

        let chunks = video.rank == 5 ? 1 + max(video.shape[2] - 1, 0) / 4 : 1
        let encodeBar = ProgressBar(total: chunks, label: "encode")
        var start = Date()
        let latent = try vae.encodeMode(video) { encodeBar.advance() }
        encodeBar.finish()
        let encodeSeconds = Date().timeIntervalSince(start)

        let decodeBar = ProgressBar(total: latent.shape[2], label: "decode")
        start = Date()
        let decoded = try vae.decode(latent) { decodeBar.advance() }
        decodeBar.finish()
        let decodeSeconds = Date().timeIntervalSince(start)

        try SafetensorsWriter.write([
            "latent_mode": SafetensorsTensorData(floats: latent.scalars, shape: latent.shape),
            "decoded": SafetensorsTensorData(floats: decoded.scalars, shape: decoded.shape),
        ], to: URL(fileURLWithPath: out))

        let report = Report(latentMode: latent.shape, decoded: decoded.shape, encodeSeconds: encodeSeconds, decodeSeconds: decodeSeconds)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("latent_mode \(latent.shape) in \(String(format: "%.2f", encodeSeconds)) s, "
                  + "decoded \(decoded.shape) in \(String(format: "%.2f", decodeSeconds)) s → \(out)")
        }
    }
}
