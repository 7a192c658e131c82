// `vans debug wan-sample`: the denoising loop of diffusers' `WanPipeline(..., output_type="latent")` from given
// noise and prompt embeddings (no text encoder, no VAE), for conformance checks of the samplers.
import ArgumentParser
import Checkpoints
import Foundation
import Support
import Tensor
import Wan

struct DebugWanSampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wan-sample",
        abstract: "Run Wan2.1's sampling loop from given noise and prompt embeddings; write the final latents.",
        discussion: """
        PIPELINE_DIR needs only model_index.json, transformer/ and scheduler/ (components model_index.json lists \
        as null are absent). Reads `latents` (the initial noise), `prompt_embeds` and, with --guidance > 1, \
        `negative_prompt_embeds`; writes `latents` after the last step, as WanPipeline(..., output_type="latent") \
        returns them. Computes in float32. Exit code 1 on any error.
        """
    )

    enum Scheduler: String, ExpressibleByArgument, CaseIterable {
        case unipc, euler
    }

    @Option(name: .long, help: "A diffusers Wan pipeline directory (model_index.json, transformer/, scheduler/).")
    var model: String

    @Option(name: .long, help: "Input safetensors file with latents, prompt_embeds, negative_prompt_embeds.")
    var inputs: String

    @Option(name: .long, help: "Output safetensors file (written atomically).")
    var out: String

    @Option(name: .long, help: "Number of denoising steps.")
    var steps: Int

    @Option(name: .long, help: "Classifier-free guidance scale (off at ≤ 1).")
    var guidance: Float

    @Option(name: .long, help: "unipc: the directory's UniPCMultistepScheduler config; euler: FlowMatchEulerDiscreteScheduler. Default: the directory's scheduler.")
    var scheduler: Scheduler?

    @Option(name: .long, help: "Flow shift (euler: its `shift`, default 1; unipc: overrides the config's `flow_shift`).")
    var shift: Double?

    @Flag(name: .long, help: "Print a JSON summary on standard output.")
    var json = false

    struct Summary: Codable {
        var output: String
        var shape: [Int]
        var steps: Int
        var scheduler: String
        var seconds: Double
    }

    func validate() throws {
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        if let shift, !(shift > 0) { throw ValidationError("--shift must be positive") }
    }

    func run() async throws {
        let start = Date()
        do {
            let index = try WanPipelineIndex(directory: URL(fileURLWithPath: model))
            let transformer = try WanTransformer3DModel.load(directory: index.url(of: "transformer"), dtype: .float32)
            var configuration = try WanSchedulerConfiguration.load(from: index.url(of: "scheduler"))
            switch (scheduler, configuration) {
            case (.euler, _), (nil, .euler):
                var trainTimesteps = 1000, configured = 1.0
                if case .euler(let settings) = configuration { trainTimesteps = settings.trainTimesteps; configured = settings.shift }
                configuration = .euler(.init(shift: shift ?? (scheduler == .euler ? 1 : configured), trainTimesteps: trainTimesteps))
            case (.unipc, .uniPC(var settings)), (nil, .uniPC(var settings)):
                if let shift { settings.shift = shift }
                configuration = .uniPC(settings)
            case (.unipc, .euler):
                throw WanError.invalidPipeline(directory: model, reason: "--scheduler unipc needs a UniPCMultistepScheduler config in scheduler/")
            }
            let tensors = try SafetensorsCheckpoint(url: URL(fileURLWithPath: inputs)).allTensors()
            guard let latents = tensors["latents"], let prompt = tensors["prompt_embeds"] else {
                throw WanError.invalidInput(name: tensors["latents"] == nil ? "latents" : "prompt_embeds", reason: "missing from \(inputs)")
            }
            let progress = ProgressBar(total: steps, label: "denoising")
            var generator = RandomGenerator(seed: 0)
            let (result, _) = try WanDenoising.sample(model: transformer, latents: latents, context: prompt,
                                                      negativeContext: tensors["negative_prompt_embeds"],
                                                      parameters: .init(steps: steps, guidance: guidance, scheduler: configuration),
                                                      generator: &generator) { _, _ in progress.advance() }
            progress.finish()
            try SafetensorsWriter.write(tensors: ["latents": result], to: URL(fileURLWithPath: out))
            let name: String
            if case .euler = configuration { name = "euler" } else { name = "unipc" }
            let summary = Summary(output: out, shape: result.shape, steps: steps, scheduler: name, seconds: Date().timeIntervalSince(start))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                print("wrote latents \(result.shape) after \(steps) \(name) steps to \(out) in \(String(format: "%.2f", summary.seconds)) s")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
