// Mirrors diffusers' `WanDecoder3d` and `WanUpBlock` (the Wan2.1 layout, `is_residual=False`;
// models/autoencoders/autoencoder_kl_wan.py).
import NN
import Tensor

/// One decoder stage: `residualBlocks + 1` residual blocks, then an optional up-sampler.
final class WanUpBlock: Module {
    @ModuleInfo(key: "resnets") var residualBlocks: [WanResidualBlock]
    @ModuleInfo(key: "upsamplers") var upsamplers: [WanResample]

    init(inputChannels: Int, outputChannels: Int, residualBlocks count: Int, upsampleMode: WanResample.Mode?) {
        super.init()
        var input = inputChannels
        var blocks: [WanResidualBlock] = []
        for _ in 0...count {
            blocks.append(WanResidualBlock(inputChannels: input, outputChannels: outputChannels))
            input = outputChannels
        }
        residualBlocks = blocks
        upsamplers = upsampleMode.map { [WanResample(channels: outputChannels, mode: $0)] } ?? []
    }

    func callAsFunction(_ input: Tensor, cache: inout WanFeatureCache) -> Tensor {
        var x = input
        for block in residualBlocks { x = block.forward(x, cache: &cache) }
        for upsampler in upsamplers { x = upsampler.forward(x, cache: &cache) }
        return x
    }
}

/// Latents [B, z, 1, h, w] (one latent frame per chunk) → pixels [B, 3, T, h·2^s, w·2^s].
final class WanDecoder: Module {
    @ModuleInfo(key: "conv_in") var convolutionIn: WanCausalConvolution3d
    @ModuleInfo(key: "mid_block") var midBlock: WanMidBlock
    @ModuleInfo(key: "up_blocks") var upBlocks: [WanUpBlock]
    @ModuleInfo(key: "norm_out") var normOut: WanRMSNorm
    @ModuleInfo(key: "conv_out") var convolutionOut: WanCausalConvolution3d

    /// `temporalUpsample` is the encoder's `temperal_downsample` reversed. diffusers' Wan2.1 decoder has no
    /// attention in its up blocks, whatever `attn_scales` says.
    init(baseDimension: Int, latentChannels: Int, dimensionMultipliers: [Int], residualBlocks: Int,
         temporalUpsample: [Bool], outputChannels: Int) {
        super.init()
        let dimensions = ([dimensionMultipliers.last!] + dimensionMultipliers.reversed()).map { baseDimension * $0 }
        convolutionIn = WanCausalConvolution3d(inputChannels: latentChannels, outputChannels: dimensions[0],
                                               kernel: [3, 3, 3], padding: [1, 1, 1])
        midBlock = WanMidBlock(channels: dimensions[0])
        var blocks: [WanUpBlock] = []
        for stage in 0..<dimensionMultipliers.count {
            // Every up-sampler halves the channels, so later stages start from half the previous width.
            let input = stage > 0 ? dimensions[stage] / 2 : dimensions[stage]
            let upsamples = stage != dimensionMultipliers.count - 1
            let mode: WanResample.Mode? = upsamples ? (temporalUpsample[stage] ? .upsample3d : .upsample2d) : nil
            blocks.append(WanUpBlock(inputChannels: input, outputChannels: dimensions[stage + 1],
                                     residualBlocks: residualBlocks, upsampleMode: mode))
        }
        upBlocks = blocks
        let last = dimensions.last!
        normOut = WanRMSNorm(channels: last, imageShaped: false)
        convolutionOut = WanCausalConvolution3d(inputChannels: last, outputChannels: outputChannels, kernel: [3, 3, 3], padding: [1, 1, 1])
    }

    func callAsFunction(_ input: Tensor, cache: inout WanFeatureCache) -> Tensor {
        var x = cache.convolve(convolutionIn, input)
        x = midBlock.forward(x, cache: &cache)
        for block in upBlocks { x = block(x, cache: &cache) }
        return cache.convolve(convolutionOut, normOut(x).silu())
    }
}
