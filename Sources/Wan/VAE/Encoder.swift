// Mirrors diffusers' `WanEncoder3d` (the Wan2.1 layout, `is_residual=False`;
// models/autoencoders/autoencoder_kl_wan.py).
import NN
import Tensor

/// Pixels [B, 3, T, H, W] → posterior parameters [B, 2·z, T', H/2^s, W/2^s] for one chunk.
final class WanEncoder: Module {
    @ModuleInfo(key: "conv_in") var convolutionIn: WanCausalConvolution3d
    /// Residual blocks, attention blocks (at `attn_scales`) and resamplers, in one flat list as diffusers keys them.
    @ModuleInfo(key: "down_blocks") var downBlocks: [WanVAELayer]
    @ModuleInfo(key: "mid_block") var midBlock: WanMidBlock
    @ModuleInfo(key: "norm_out") var normOut: WanRMSNorm
    @ModuleInfo(key: "conv_out") var convolutionOut: WanCausalConvolution3d

    init(inputChannels: Int, baseDimension: Int, outputChannels: Int, dimensionMultipliers: [Int], residualBlocks: Int,
         attentionScales: [Double], temporalDownsample: [Bool]) {
        super.init()
        let dimensions = ([1] + dimensionMultipliers).map { baseDimension * $0 }
        convolutionIn = WanCausalConvolution3d(inputChannels: inputChannels, outputChannels: dimensions[0],
                                               kernel: [3, 3, 3], padding: [1, 1, 1])
        var layers: [WanVAELayer] = []
        var scale = 1.0
        for stage in 0..<dimensionMultipliers.count {
            var input = dimensions[stage]
            let output = dimensions[stage + 1]
            for _ in 0..<residualBlocks {
                layers.append(WanResidualBlock(inputChannels: input, outputChannels: output))
                if attentionScales.contains(scale) { layers.append(WanAttentionBlock(channels: output)) }
                input = output
            }
            if stage != dimensionMultipliers.count - 1 {
                layers.append(WanResample(channels: output, mode: temporalDownsample[stage] ? .downsample3d : .downsample2d))
                scale /= 2
            }
        }
        downBlocks = layers
        let last = dimensions.last!
        midBlock = WanMidBlock(channels: last)
        normOut = WanRMSNorm(channels: last, imageShaped: false)
        convolutionOut = WanCausalConvolution3d(inputChannels: last, outputChannels: outputChannels, kernel: [3, 3, 3], padding: [1, 1, 1])
    }

    func callAsFunction(_ input: Tensor, cache: inout WanFeatureCache) -> Tensor {
        var x = cache.convolve(convolutionIn, input)
        for layer in downBlocks { x = layer.forward(x, cache: &cache) }
        x = midBlock.forward(x, cache: &cache)
        return cache.convolve(convolutionOut, normOut(x).silu())
    }
}
