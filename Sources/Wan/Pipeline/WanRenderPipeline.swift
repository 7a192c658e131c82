// Mirrors diffusers' `WanPipeline.__call__` (pipelines/wan/pipeline_wan.py) end to end — umT5 prompt embeddings,
// the denoising loop with classifier-free guidance, the VAE decode — plus VANS's reference-frame conditioning
// (paper §4, App. C.1): n input frames, each encoded by the VAE as its own one-frame clip, prepended along time.
// Components are loaded one at a time and released when their stage ends, so a real-sized pipeline (umT5-XXL,
// the 1.3B DiT, the VAE) never holds all weights at once.
import Foundation
import Tensor
import Tokenizers
import VideoIO

/// Settings of one render; the defaults are the paper's answer videos (352×640, 33 frames; App. C.2).
public struct WanRenderSettings: Sendable {
    public var frames = 33
    public var height = 352
    public var width = 640
    public var steps = 50
    /// Classifier-free guidance scale (off at ≤ 1, as diffusers).
    public var guidance: Float = 5
    /// Overrides the scheduler config's flow shift when set.
    public var shift: Double?
    public var sampler: WanSamplerKind = .uniPC
    /// diffusers' default negative prompt is the empty string.
    public var negativePrompt = ""
    public var seed: UInt64 = 0
    /// Frame rate of the written video (Wan2.1 renders at 16 fps).
    public var fps: Double = 16

    public init() {}
}

/// The stages a render reports progress for.
public enum WanRenderStage: String, Sendable, CaseIterable {
    case textEncoding = "text encoding"
    case referenceEncoding = "VAE encode"
    case denoising
    case decoding = "VAE decode"
}

/// A rendered answer video and where its time went.
public struct WanRenderResult {
    /// RGB frames at the requested size.
    public var frames: [VideoFrame]
    /// The decoder's output [1, 3, F, H, W] in [−1, 1] (before 8-bit rounding).
    public var video: Tensor
    /// Seconds per stage, by `WanRenderStage.rawValue`.
    public var seconds: [String: Double]
    /// How many reference frames conditioned the DiT.
    public var referenceFrames: Int
}

/// A diffusers Wan pipeline directory (`model_index.json`, `transformer/`, `vae/`, `text_encoder/`, `tokenizer/`,
/// `scheduler/`) ready to render captions into videos.
public struct WanRenderPipeline: Sendable {
    public let index: WanPipelineIndex

    public init(directory: URL) throws(WanError) {
        index = try WanPipelineIndex(directory: directory, requiring: ["transformer", "scheduler", "vae", "text_encoder", "tokenizer"])
    }

    /// The sampling parameters `settings` give with this directory's scheduler config.
    public func samplingParameters(_ settings: WanRenderSettings) throws(WanError) -> WanSamplingParameters {
        var scheduler = try WanSchedulerConfiguration.load(from: index.url(of: "scheduler"))
        switch (settings.sampler, scheduler) {
        case (.euler, .uniPC(let uniPC)):
            scheduler = .euler(.init(shift: uniPC.shift, trainTimesteps: uniPC.trainTimesteps))
        case (.uniPC, .euler(let euler)):
            var uniPC = WanSchedulerConfiguration.UniPCSettings()
            uniPC.shift = euler.shift
            uniPC.trainTimesteps = euler.trainTimesteps
            scheduler = .uniPC(uniPC)
        default: break
        }
        if let shift = settings.shift {
            guard shift > 0, shift.isFinite else { throw .invalidInput(name: "shift", reason: "must be positive, got \(shift)") }
            switch scheduler {
            case .uniPC(var uniPC): uniPC.shift = shift; scheduler = .uniPC(uniPC)
            case .euler(var euler): euler.shift = shift; scheduler = .euler(euler)
            }
        }
        return WanSamplingParameters(steps: settings.steps, guidance: settings.guidance, scheduler: scheduler,
                                     stochastic: settings.sampler == .sde)
    }

    /// Renders `caption`, conditioned on `references` (already chosen input frames; empty for text-to-video).
    /// `noise` replaces the seeded initial latents (tests compare with diffusers given the same noise).
    /// `progress` sees (stage, done, total) as each stage advances.
    public func render(caption: String, references: [VideoFrame], settings: WanRenderSettings, noise: Tensor? = nil,
                       progress: ((WanRenderStage, Int, Int) -> Void)? = nil) throws -> WanRenderResult {
        guard WanVideoProcessor.isValidFrameCount(settings.frames) else {
            throw WanError.invalidInput(name: "frames", reason: "\(settings.frames) is not 4k + 1 (1, 5, 9, …, 33, …, 81)")
        }
        guard settings.height > 0, settings.width > 0, settings.height % 16 == 0, settings.width % 16 == 0 else {
            throw WanError.invalidInput(name: "size", reason: "\(settings.height)×\(settings.width) must be positive multiples of 16")
        }
        guard settings.steps > 0 else { throw WanError.invalidInput(name: "steps", reason: "must be positive, got \(settings.steps)") }
        let parameters = try samplingParameters(settings)
        var seconds: [String: Double] = [:]
        func timed<T>(_ stage: WanRenderStage, _ body: () throws -> T) rethrows -> T {
            let start = Date()
            defer { seconds[stage.rawValue, default: 0] += Date().timeIntervalSince(start) }
            return try body()
        }

        // 1. Prompt embeddings; the text encoder is released before denoising starts.
        let (context, negativeContext) = try timed(.textEncoding) { () throws -> (Tensor, Tensor?) in
            let tokenizer = try Tokenizer(directory: index.url(of: "tokenizer"))
            let encoder = try UMT5EncoderModel.load(from: index.url(of: "text_encoder"))
            let prompts = parameters.guidance > 1 ? [caption, settings.negativePrompt] : [caption]
            progress?(.textEncoding, 0, prompts.count)
            let embeddings = try Autograd.withoutGradient { try encoder.encode(prompts, tokenizer: tokenizer) }
            progress?(.textEncoding, prompts.count, prompts.count)
            let positive = embeddings.sliced(axis: 0, start: 0, end: 1).contiguous()
            let negative = prompts.count > 1 ? embeddings.sliced(axis: 0, start: 1, end: 2).contiguous() : nil
            return (positive, negative)
        }

        let vae = try AutoencoderKLWan.load(directory: index.url(of: "vae"))
        let transformerConfiguration = try transformerConfiguration()
        guard transformerConfiguration.inputChannels == vae.configuration.latentChannels
                || transformerConfiguration.conditioning.mode == .channel else {
            throw WanError.invalidPipeline(directory: index.directory.path, reason:
                "the transformer takes \(transformerConfiguration.inputChannels) channels but the VAE has z_dim \(vae.configuration.latentChannels)")
        }

        // 2. Reference latents: each frame its own one-frame clip, normalised as the DiT was trained on them.
        let referenceLatents = try timed(.referenceEncoding) { () throws -> Tensor? in
            guard !references.isEmpty else { return nil }
            switch transformerConfiguration.conditioning.mode {
            case .sequence: break
            case .none:
                throw WanError.invalidInput(name: "references", reason: "this transformer's vans_conditioning mode is none (text-to-video only)")
            case .channel:
                throw WanError.invalidInput(name: "references", reason: "channel-concatenation (I2V) conditioning is not wired into rendering yet; use a sequence-conditioned model")
            }
            let processor = try WanVideoProcessor(height: settings.height, width: settings.width)
            var latents: [Tensor] = []
            for (index, frame) in references.enumerated() {
                progress?(.referenceEncoding, index, references.count)
                let clip = try processor.tensor(from: [frame]).tensor
                let pixels = clip.reshaped([1] + clip.shape)  // [1, 3, 1, H, W]
                let mode = try Autograd.withoutGradient { try vae.encodeMode(pixels) }
                latents.append(vae.normalize(mode))           // [1, z, 1, h, w]
            }
            progress?(.referenceEncoding, references.count, references.count)
            return Tensor.concatenate(latents, axis: 2)       // [1, z, n, h, w]
        }

        // 3. Denoising from seeded noise [1, z, (F − 1)/4 + 1, H/8, W/8].
        let latentShape = [1, vae.configuration.latentChannels,
                           (settings.frames - 1) / vae.configuration.temporalScaleFactor + 1,
                           settings.height / vae.configuration.spatialScaleFactor,
                           settings.width / vae.configuration.spatialScaleFactor]
        var generator = RandomGenerator(seed: settings.seed)
        let initial = noise ?? generator.normal(latentShape)
        guard initial.shape == latentShape else {
            throw WanError.invalidInput(name: "noise", reason: "shape \(initial.shape), expected \(latentShape)")
        }
        let latents = try timed(.denoising) { () throws -> Tensor in
            let transformer = try WanTransformer3DModel.load(directory: index.url(of: "transformer"))
            progress?(.denoising, 0, parameters.steps)
            return try WanDenoising.sample(model: transformer, latents: initial, context: context, negativeContext: negativeContext,
                                           parameters: parameters, references: referenceLatents, generator: &generator) { done, total in
                progress?(.denoising, done, total)
            }.latents
        }

        // 4. Decode to pixels in [−1, 1], then to 8-bit frames.
        let frames = try timed(.decoding) { () throws -> (frames: [VideoFrame], video: Tensor) in
            let chunks = latentShape[2]
            var decodedChunks = 0
            progress?(.decoding, 0, chunks)
            let video = try Autograd.withoutGradient {
                try vae.decode(vae.denormalize(latents)) { decodedChunks += 1; progress?(.decoding, decodedChunks, chunks) }
            }
            return (try WanFrames.frames(from: video, fps: settings.fps), video)
        }
        return WanRenderResult(frames: frames.frames, video: frames.video, seconds: seconds, referenceFrames: references.count)
    }
}

extension WanRenderPipeline {
    /// How the transformer takes reference frames (its config's `vans_conditioning`).
    public func conditioning() throws(WanError) -> WanConditioningConfiguration {
        try transformerConfiguration().conditioning
    }

    /// The transformer's `config.json`.
    public func transformerConfiguration() throws(WanError) -> WanTransformerConfiguration {
        do {
            return try WanTransformerConfiguration.load(from: index.url(of: "transformer").appendingPathComponent("config.json"))
        } catch {
            throw .checkpoint(error)
        }
    }
}
