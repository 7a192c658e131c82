// The VDM policy of Joint-GRPO over Wan2.1, as flow_grpo's `train_wan2_1.py` drives `WanPipeline`: SDE rollouts
// (`wan_pipeline_with_logprob`) recording latents and per-step log-probs, the velocity of one recorded step
// recomputed with gradient through the DiT's LoRA (r 32, α 64 on attention q/k/v/o, decision 13) and with the
// adapter disabled for the KL reference, CFG with "" as negative in both (decision 12); plus the deterministic
// render of the frozen VDM in stage 1 (decision 11). VANS's reference frames (n input frames, each its own
// one-frame VAE clip) are fixed conditioning identical in rollout and recomputation.
//
// Shape legend: G videos, z latent channels, F latent frames, h×w latent size, S text tokens, D text width.
import Checkpoints
import Foundation
import NN
import Tensor
import Tokenizers
import VideoIO
import Wan

/// Wan2.1 (DiT + VAE + umT5 of a diffusers pipeline directory) as a `VideoPolicy`.
public final class WanVideoPolicy: VideoPolicy {
    public let pipeline: WanRenderPipeline
    public let transformer: WanTransformer3DModel
    public let vae: AutoencoderKLWan
    let textEncoder: UMT5EncoderModel
    let tokenizer: Tokenizer
    public let profile: RendererProfile
    /// The GRPO adapters (nil for a frozen VDM).
    public let adapters: LoRAAdapters?
    /// σ_t of the SDE step (flow_grpo's Wan variant).
    public var noiseLevel: FlowGRPONoiseLevel = .wan
    private var embeddings: [String: Tensor] = [:]
    private var referenceLatents: [String: Tensor?] = [:]

    public var trainableModule: Module { transformer }
    public var isTrainable: Bool { adapters != nil }

    /// Loads the pipeline directory (transformer in float32, for training) and, with `lora`, adds adapters on the
    /// attention projections; without, the transformer is frozen.
    public init(directory: URL, lora: (rank: Int, alpha: Float)?, seed: UInt64 = 0) throws {
        pipeline = try WanRenderPipeline(directory: directory)
        profile = try RendererProfile.stage(directory: directory)
        transformer = try WanTransformer3DModel.load(directory: pipeline.index.url(of: "transformer"), dtype: .float32)
        vae = try AutoencoderKLWan.load(directory: pipeline.index.url(of: "vae"))
        textEncoder = try UMT5EncoderModel.load(from: pipeline.index.url(of: "text_encoder"))
        tokenizer = try Tokenizer(directory: pipeline.index.url(of: "tokenizer"))
        try transformer.freeze()
        if let lora {
            var generator = RandomGenerator(seed: seed)
            adapters = try WanFineTuning.applyLoRA(to: transformer, rank: lora.rank, alpha: lora.alpha, initializer: &generator)
        } else {
            adapters = nil
        }
    }

    /// Render settings of the profile.
    var settings: WanRenderSettings {
        var settings = WanRenderSettings()
        settings.frames = profile.frames
        settings.height = profile.height
        settings.width = profile.width
        settings.steps = profile.steps
        settings.guidance = profile.guidance
        settings.sampler = profile.sampler
        settings.fps = profile.fps
        return settings
    }

    /// umT5 embeddings [N, S, D] of `prompts` (cached per prompt: anchors and "" repeat every step).
    func encode(_ prompts: [String]) throws -> Tensor {
        let missing = Array(Set(prompts.filter { embeddings[$0] == nil })).sorted()
        if !missing.isEmpty {
            let encoded = try Autograd.withoutGradient { try textEncoder.encode(missing, tokenizer: tokenizer) }  // [M, S, D]
            if embeddings.count > 256 { embeddings.removeAll() }
            for (index, prompt) in missing.enumerated() {
                embeddings[prompt] = encoded.sliced(axis: 0, start: index, end: index + 1).contiguous()
            }
        }
        return Tensor.concatenate(prompts.map { embeddings[$0]! }, axis: 0)                       // [N, S, D]
    }

    /// The normalised VAE latents [1, z, n, h, w] of the sample's reference frames (nil for a text-only DiT).
    func references(_ sample: GRPOSample) throws -> Tensor? {
        if let cached = referenceLatents[sample.id] { return cached }
        var conditioning = transformer.configuration.conditioning
        guard conditioning.mode == .sequence, profile.referenceFrames > 0 else {
            referenceLatents[sample.id] = .some(nil)
            return nil
        }
        conditioning.referenceFrames = profile.referenceFrames
        let processor = try WanVideoProcessor(height: profile.height, width: profile.width)
        let latents = try conditioning.referenceIndices(frameCount: sample.inputFrames.count).map { index in
            let clip = try processor.tensor(from: [sample.inputFrames[index]]).tensor
            let mode = try Autograd.withoutGradient { try vae.encodeMode(clip.reshaped([1] + clip.shape)) }  // [1, z, 1, h, w]
            return vae.normalize(mode)
        }
        let result = Tensor.concatenate(latents, axis: 2)                                        // [1, z, n, h, w]
        referenceLatents[sample.id] = result
        return result
    }

    /// [1, z, F, h, w] for the profile's video size.
    var latentShape: [Int] {
        [1, vae.configuration.latentChannels, (profile.frames - 1) / vae.configuration.temporalScaleFactor + 1,
         profile.height / vae.configuration.spatialScaleFactor, profile.width / vae.configuration.spatialScaleFactor]
    }

    /// G initial noises [G, z, F, h, w]: one shared draw repeated, or G draws.
    func initialNoise(count: Int, shared: Bool, generator: inout RandomGenerator) -> Tensor {
        let shape = latentShape
        if shared { return Self.repeated(generator.normal(shape), count: count) }
        return generator.normal([count] + shape.dropFirst())
    }

    /// `tensor` [1, …] repeated along the batch axis.
    static func repeated(_ tensor: Tensor, count: Int) -> Tensor {
        count == 1 ? tensor : Tensor.concatenate(Array(repeating: tensor, count: count), axis: 0)
    }

    /// Decodes latents [G, z, F, h, w] one video at a time into 8-bit frames.
    func decode(_ latents: Tensor) throws -> [[VideoFrame]] {
        try (0..<latents.shape[0]).map { index in
            let one = latents.sliced(axis: 0, start: index, end: index + 1).contiguous()
            let video = try Autograd.withoutGradient { try vae.decode(vae.denormalize(one)) }   // [1, 3, T, H, W]
            return try WanFrames.frames(from: video, fps: profile.fps)
        }
    }

    public func render(captions: [String], sample: GRPOSample, steps: Int?, seed: UInt64) throws -> [[VideoFrame]] {
        guard !captions.isEmpty else { return [] }
        var settings = settings
        if let steps { settings.steps = steps }
        settings.sampler = settings.sampler == .sde ? .uniPC : settings.sampler
        let parameters = try pipeline.samplingParameters(settings)
        let count = captions.count
        var generator = RandomGenerator(seed: seed)
        let noise = initialNoise(count: count, shared: true, generator: &generator)
        let context = try encode(captions)
        let negative = parameters.guidance > 1 ? Self.repeated(try encode([""]), count: count) : nil
        let references = try references(sample).map { Self.repeated($0, count: count) }
        let latents = try Autograd.withoutGradient {
            try WanDenoising.sample(model: transformer, latents: noise, context: context, negativeContext: negative,
                                    parameters: parameters, references: references, generator: &generator).latents
        }
        return try decode(latents)
    }

    public func rollout(captions: [String], sample: GRPOSample, steps: Int, guidance: Float, seed: UInt64,
                        sharedNoise: Bool) throws -> VideoRollout {
        guard !captions.isEmpty else { throw TrainingError.data("sample \(sample.id): a rollout needs at least one caption") }
        var settings = settings
        settings.steps = steps
        settings.guidance = guidance
        let schedule = try pipeline.samplingParameters(settings).schedule
        let count = captions.count
        var generator = RandomGenerator(seed: seed)
        var current = initialNoise(count: count, shared: sharedNoise, generator: &generator)
        let context = try encode(captions)                                                      // [G, S, D]
        let negative = guidance > 1 ? Self.repeated(try encode([""]), count: count) : nil
        let references = try references(sample).map { Self.repeated($0, count: count) }        // [G, z, n, h, w]
        var latents = [current], logProbabilities: [Tensor] = []
        for index in 0..<schedule.steps {
            let velocity = try Autograd.withoutGradient {
                try WanDenoising.velocity(model: transformer, latents: current, timestep: schedule.timesteps[index], context: context,
                                          negativeContext: negative, guidance: guidance, references: references)
            }
            let step = try FlowGRPOStep.step(velocity: velocity, sample: current, schedule: schedule, index: index,
                                             generator: &generator, noiseLevel: noiseLevel)
            current = step.sample
            latents.append(current)
            logProbabilities.append(step.logProbability.detached())
        }
        return VideoRollout(schedule: schedule, latents: latents, logProbabilities: logProbabilities, context: context,
                            negativeContext: negative, references: references, guidance: guidance, videos: try decode(current))
    }

    public func velocity(_ rollout: VideoRollout, step index: Int) throws -> Tensor {
        guard index >= 0, index < rollout.schedule.steps else {
            throw TrainingError.data("rollout step \(index) is outside its \(rollout.schedule.steps) steps")
        }
        return try WanDenoising.velocity(model: transformer, latents: rollout.latents[index], timestep: rollout.schedule.timesteps[index],
                                         context: rollout.context, negativeContext: rollout.negativeContext,
                                         guidance: rollout.guidance, references: rollout.references)
    }

    public func referenceVelocity(_ rollout: VideoRollout, step index: Int) throws -> Tensor {
        try Autograd.withoutGradient {
            guard let adapters else { return try velocity(rollout, step: index) }
            return try adapters.withAdaptersDisabled { try velocity(rollout, step: index) }
        }
    }

    /// Writes the policy as a complete pipeline directory: a copy of `source` whose transformer weights are the
    /// current ones (GRPO adapters merged), as `WanRenderPipeline` and diffusers read it.
    public func export(from source: URL, to destination: URL) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: destination.path) { try manager.removeItem(at: destination) }
        try manager.copyItem(at: source, to: destination)
        let transformerDirectory = destination.appendingPathComponent("transformer")
        for name in try manager.contentsOfDirectory(atPath: transformerDirectory.path) where name.hasSuffix(".safetensors") || name.hasSuffix(".index.json") {
            try manager.removeItem(at: transformerDirectory.appendingPathComponent(name))
        }
        adapters?.merge()
        defer { adapters?.unmerge() }
        var tensors: [String: Tensor] = [:]
        for (key, value) in transformer.parameters() where !key.contains("lora_") { tensors[key] = value.detached().converted(to: .float32) }
        try SafetensorsWriter.write(tensors: tensors, metadata: ["format": "pt"],
                                    to: transformerDirectory.appendingPathComponent("diffusion_pytorch_model.safetensors"))
    }
}
