// Mirrors diffusers' `WanResidualBlock`, `WanAttentionBlock` and `WanMidBlock`
// (models/autoencoders/autoencoder_kl_wan.py).
import NN
import Tensor

/// A layer of the encoder's flat `down_blocks` list or of a decoder stage: it may read and write the
/// feature cache. Shapes are [B, C, T, H, W] throughout.
class WanVAELayer: Module {
    /// Runs the layer on one chunk.
    func forward(_ input: Tensor, cache: inout WanFeatureCache) -> Tensor {
        fatalError("\(type(of: self)) must override forward(_:cache:)")
    }
}

/// RMS → SiLU → causal 3×3×3 conv → RMS → SiLU → (dropout, off at inference) → causal 3×3×3 conv, plus
/// the input (through a 1×1×1 conv when the channel count changes).
final class WanResidualBlock: WanVAELayer {
    @ModuleInfo(key: "norm1") var norm1: WanRMSNorm
    @ModuleInfo(key: "conv1") var conv1: WanCausalConvolution3d
    @ModuleInfo(key: "norm2") var norm2: WanRMSNorm
    @ModuleInfo(key: "conv2") var conv2: WanCausalConvolution3d
    @ModuleInfo(key: "conv_shortcut") var shortcut: WanCausalConvolution3d?

    init(inputChannels: Int, outputChannels: Int) {
        super.init()
        norm1 = WanRMSNorm(channels: inputChannels, imageShaped: false)
        conv1 = WanCausalConvolution3d(inputChannels: inputChannels, outputChannels: outputChannels, kernel: [3, 3, 3], padding: [1, 1, 1])
        norm2 = WanRMSNorm(channels: outputChannels, imageShaped: false)
        conv2 = WanCausalConvolution3d(inputChannels: outputChannels, outputChannels: outputChannels, kernel: [3, 3, 3], padding: [1, 1, 1])
        shortcut = inputChannels == outputChannels
            ? nil : WanCausalConvolution3d(inputChannels: inputChannels, outputChannels: outputChannels, kernel: [1, 1, 1])
    }

    override func forward(_ input: Tensor, cache: inout WanFeatureCache) -> Tensor {
        let residual = shortcut.map { $0(input) } ?? input
        var x = norm1(input).silu()
        x = cache.convolve(conv1, x)
        x = norm2(x).silu()
        x = cache.convolve(conv2, x)
        return x + residual
    }
}

/// Single-head self-attention within each frame over its H·W positions, with 1×1 `to_qkv` and `proj`.
///
/// Shapes: B batch, C channels (= head dim), T frames, L = H·W positions per frame.
final class WanAttentionBlock: WanVAELayer {
    @ModuleInfo(key: "norm") var norm: WanRMSNorm
    @ModuleInfo(key: "to_qkv") var toQueryKeyValue: WanFrameConvolution
    @ModuleInfo(key: "proj") var projection: WanFrameConvolution
    let channels: Int

    init(channels: Int) {
        self.channels = channels
        super.init()
        norm = WanRMSNorm(channels: channels, imageShaped: true)
        toQueryKeyValue = WanFrameConvolution(inputChannels: channels, outputChannels: 3 * channels, kernel: 1)
        projection = WanFrameConvolution(inputChannels: channels, outputChannels: channels, kernel: 1)
    }

    override func forward(_ input: Tensor, cache: inout WanFeatureCache) -> Tensor {
        let (batch, frames, height, width) = (input.shape[0], input.shape[2], input.shape[3], input.shape[4])
        let qkv = toQueryKeyValue(norm(input))                                  // [B, 3C, T, H, W]
            .permuted([0, 2, 3, 4, 1])                                          // [B, T, H, W, 3C]
            .reshaped([batch * frames, height * width, 3 * channels])           // [B·T, L, 3C]
        let query = qkv.sliced(axis: 2, start: 0, end: channels)                // [B·T, L, C]
        let key = qkv.sliced(axis: 2, start: channels, end: 2 * channels)
        let value = qkv.sliced(axis: 2, start: 2 * channels)
        // The head dimension is C (up to 384), past the fused attention kernel's 256, so scores are explicit.
        let scores = query.matmul(key.transposed(1, 2)) * (1 / Float(channels).squareRoot())  // [B·T, L, L]
        let attended = scores.softmax(axis: -1).matmul(value)                  // [B·T, L, C]
            .reshaped([batch, frames, height, width, channels])                 // [B, T, H, W, C]
            .permuted([0, 4, 1, 2, 3])                                          // [B, C, T, H, W]
        return projection(attended.contiguous()) + input
    }
}

/// Residual block → attention → residual block at the lowest resolution.
final class WanMidBlock: WanVAELayer {
    @ModuleInfo(key: "resnets") var residualBlocks: [WanResidualBlock]
    @ModuleInfo(key: "attentions") var attentions: [WanAttentionBlock]

    init(channels: Int) {
        super.init()
        residualBlocks = [WanResidualBlock(inputChannels: channels, outputChannels: channels),
                          WanResidualBlock(inputChannels: channels, outputChannels: channels)]
        attentions = [WanAttentionBlock(channels: channels)]
    }

    override func forward(_ input: Tensor, cache: inout WanFeatureCache) -> Tensor {
        var x = residualBlocks[0].forward(input, cache: &cache)
        for (attention, block) in zip(attentions, residualBlocks.dropFirst()) {
            x = attention.forward(x, cache: &cache)
            x = block.forward(x, cache: &cache)
        }
        return x
    }
}
