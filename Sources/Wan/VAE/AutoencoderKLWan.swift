// Mirrors diffusers' `AutoencoderKLWan` (models/autoencoders/autoencoder_kl_wan.py): chunked encode and
// decode with the feature cache, `quant_conv` / `post_quant_conv`, the posterior mode, and the
// `latents_mean` / `latents_std` normalisation the Wan pipelines apply (pipelines/wan/pipeline_wan*.py).
import Checkpoints
import Foundation
import NN
import Tensor

/// Wan2.1's causal 3-D VAE: video [B, 3, F, H, W] in [−1, 1] ↔ latents [B, z, 1 + (F−1)/4, H/8, W/8].
///
/// ```swift
/// let vae = try AutoencoderKLWan.load(directory: URL(fileURLWithPath: "Wan2.1-T2V-1.3B-Diffusers/vae"))
/// let latents = vae.normalize(try vae.encodeMode(video))   // what the DiT sees
/// let video = vae.decode(vae.denormalize(latents))
/// ```
public final class AutoencoderKLWan: Module {
    public let configuration: WanVAEConfiguration
    @ModuleInfo(key: "encoder") var encoder: WanEncoder
    @ModuleInfo(key: "quant_conv") var quantConvolution: WanCausalConvolution3d
    @ModuleInfo(key: "post_quant_conv") var postQuantConvolution: WanCausalConvolution3d
    @ModuleInfo(key: "decoder") var decoder: WanDecoder

    /// A model with zero weights (unit norm gains), ready for `load(weights:)`.
    public init(configuration: WanVAEConfiguration) {
        self.configuration = configuration
        super.init()
        let z = configuration.latentChannels
        encoder = WanEncoder(inputChannels: configuration.inputChannels, baseDimension: configuration.baseDimension,
                             outputChannels: 2 * z, dimensionMultipliers: configuration.dimensionMultipliers,
                             residualBlocks: configuration.residualBlocks, attentionScales: configuration.attentionScales,
                             temporalDownsample: configuration.temporalDownsample)
        quantConvolution = WanCausalConvolution3d(inputChannels: 2 * z, outputChannels: 2 * z, kernel: [1, 1, 1])
        postQuantConvolution = WanCausalConvolution3d(inputChannels: z, outputChannels: z, kernel: [1, 1, 1])
        decoder = WanDecoder(baseDimension: configuration.decoderBaseDimension ?? configuration.baseDimension,
                             latentChannels: z, dimensionMultipliers: configuration.dimensionMultipliers,
                             residualBlocks: configuration.residualBlocks,
                             temporalUpsample: configuration.temporalDownsample.reversed(),
                             outputChannels: configuration.outputChannels)
        train(false)
    }

    /// The official `Wan2.1_VAE.pth` names renamed to diffusers'; diffusers-layout keys pass through.
    public override var checkpointRules: CheckpointRules { .wanVAE(configuration) }

    // MARK: Encode

    /// Posterior parameters [B, 2z, T', h, w] (mean, then log-variance), as diffusers' `_encode`:
    /// frames go through the encoder in chunks [0], [1:5], [5:9], … sharing one feature cache.
    /// - Throws: `WanVAEError.frameCount` unless F = 4k + 1, `.invalidShape` for a tensor that is not
    ///   [B, in_channels, F, H, W].
    /// `onChunk` is called after each chunk (for progress bars).
    public func encodeParameters(_ video: Tensor, onChunk: (() -> Void)? = nil) throws(WanVAEError) -> Tensor {
        guard video.rank == 5, video.shape[0] > 0, video.shape[1] == configuration.inputChannels else {
            throw .invalidShape(name: "video", shape: video.shape,
                                expected: "[batch, \(configuration.inputChannels), frames, height, width]")
        }
        // Each down-sampler pads one row/column and takes a stride-2 3×3 window, so it needs 2 pixels per axis.
        var height = video.shape[3], width = video.shape[4]
        for _ in 1..<configuration.dimensionMultipliers.count {
            guard height >= 2, width >= 2 else {
                throw .invalidShape(name: "video", shape: video.shape,
                                    expected: "height and width of at least \(1 << (configuration.dimensionMultipliers.count - 1))")
            }
            height = (height - 2) / 2 + 1
            width = (width - 2) / 2 + 1
        }
        guard height >= 1, width >= 1 else {
            throw .invalidShape(name: "video", shape: video.shape, expected: "a height and width of at least 1")
        }
        let frames = video.shape[2]
        guard frames >= 1, (frames - 1) % 4 == 0 else { throw .frameCount(frames) }
        var cache = WanFeatureCache()
        var outputs: [Tensor] = []
        for chunk in 0...(frames - 1) / 4 {
            cache.startChunk()
            let start = chunk == 0 ? 0 : 1 + 4 * (chunk - 1)
            let end = chunk == 0 ? 1 : 1 + 4 * chunk
            outputs.append(encoder(video.sliced(axis: 2, start: start, end: end), cache: &cache))
            onChunk?()
        }
        return quantConvolution(Tensor.concatenate(outputs, axis: 2))
    }

    /// The posterior mean [B, z, T', h, w] before normalisation: `encode(video).latent_dist.mode()`.
    public func encodeMode(_ video: Tensor, onChunk: (() -> Void)? = nil) throws(WanVAEError) -> Tensor {
        try encodeParameters(video, onChunk: onChunk).sliced(axis: 1, start: 0, end: configuration.latentChannels).contiguous()
    }

    // MARK: Decode

    /// Video [B, out_channels, 1 + 4(T'−1), H, W] clamped to [−1, 1] from un-normalised latents
    /// [B, z, T', h, w], one latent frame per chunk, as diffusers' `_decode`.
    /// - Throws: `WanVAEError.invalidShape` for a tensor that is not [B, z, T', h, w].
    /// `onChunk` is called after each latent frame (for progress bars).
    public func decode(_ latents: Tensor, onChunk: (() -> Void)? = nil) throws(WanVAEError) -> Tensor {
        guard latents.rank == 5, latents.shape[0] > 0, latents.shape[1] == configuration.latentChannels, latents.shape[2] > 0,
              latents.shape[3] > 0, latents.shape[4] > 0 else {
            throw .invalidShape(name: "latents", shape: latents.shape,
                                expected: "[batch, \(configuration.latentChannels), latent frames, height, width]")
        }
        let x = postQuantConvolution(latents)
        var cache = WanFeatureCache()
        var outputs: [Tensor] = []
        for frame in 0..<latents.shape[2] {
            cache.startChunk()
            outputs.append(decoder(x.sliced(axis: 2, start: frame, end: frame + 1), cache: &cache))
            onChunk?()
        }
        return Tensor.concatenate(outputs, axis: 2).clamped(min: -1, max: 1)
    }

    // MARK: Latent normalisation

    /// [1, z, 1, 1, 1] float32 mean and 1/std, as the pipelines build them (`1.0 / torch.tensor(latents_std)`).
    private var normalisation: (mean: Tensor, inverseStd: Tensor) {
        let z = configuration.latentChannels
        let mean = Tensor(configuration.latentsMean.map { Float($0) }, shape: [1, z, 1, 1, 1])
        let inverse = Tensor(configuration.latentsStandardDeviation.map { 1 / Float($0) }, shape: [1, z, 1, 1, 1])
        return (mean, inverse)
    }

    /// (μ − mean) · (1/std) per channel: the latents the DiT is trained on (`pipeline_wan_i2v.prepare_latents`).
    public func normalize(_ latents: Tensor) -> Tensor {
        let (mean, inverseStd) = normalisation
        return (latents - mean) * inverseStd
    }

    /// z / (1/std) + mean per channel: what `WanPipeline` hands to `vae.decode`.
    public func denormalize(_ latents: Tensor) -> Tensor {
        let (mean, inverseStd) = normalisation
        return latents / inverseStd + mean
    }
}
