// Mirrors diffusers' `WanResample` (upsample2d/3d, downsample2d/3d) and `WanUpsample`
// (models/autoencoders/autoencoder_kl_wan.py).
import NN
import Tensor

/// The parameter-free first entry of `resample` (nn.Upsample / nn.ZeroPad2d), so the convolution keeps
/// its checkpoint key `resample.1`.
final class WanParameterFreeLayer: Module {}

/// Spatial ×2 up- or down-sampling of every frame, optionally with a temporal ×2 as well.
final class WanResample: WanVAELayer {
    enum Mode: Sendable, Equatable {
        /// Nearest ×2 in space, then a 3×3 conv to `outputChannels` (half the input in Wan2.1).
        case upsample2d
        /// As `upsample2d`, after a causal (3,1,1) conv to 2C whose halves interleave to double T;
        /// skipped for the first chunk.
        case upsample3d
        /// Zero pad right and bottom by 1, then a stride-2 3×3 conv.
        case downsample2d
        /// As `downsample2d`, then a (3,1,1)/(2,1,1) time conv over the previous chunk's last frame and this
        /// chunk; the first chunk passes through.
        case downsample3d
    }

    let mode: Mode
    let channels: Int
    @ModuleInfo(key: "resample") var resample: [Module]
    @ModuleInfo(key: "time_conv") var timeConvolution: WanCausalConvolution3d?

    init(channels: Int, mode: Mode, upsampleOutputChannels: Int? = nil) {
        self.mode = mode
        self.channels = channels
        super.init()
        switch mode {
        case .upsample2d, .upsample3d:
            let output = upsampleOutputChannels ?? channels / 2
            resample = [WanParameterFreeLayer(),
                        WanFrameConvolution(inputChannels: channels, outputChannels: output, kernel: 3, padding: .init(1))]
        case .downsample2d, .downsample3d:
            resample = [WanParameterFreeLayer(),
                        WanFrameConvolution(inputChannels: channels, outputChannels: channels, kernel: 3, stride: 2,
                                            padding: ConvolutionPadding(front: 0, back: 1))]
        }
        switch mode {
        case .upsample3d:
            timeConvolution = WanCausalConvolution3d(inputChannels: channels, outputChannels: 2 * channels,
                                                     kernel: [3, 1, 1], padding: [1, 0, 0])
        case .downsample3d:
            timeConvolution = WanCausalConvolution3d(inputChannels: channels, outputChannels: channels,
                                                     kernel: [3, 1, 1], stride: [2, 1, 1])
        case .upsample2d, .downsample2d:
            timeConvolution = nil
        }
    }

    private var spatialConvolution: WanFrameConvolution {
        // Built as such in `init`; the array only exists to keep the checkpoint index.
        resample[1] as! WanFrameConvolution
    }

    override func forward(_ input: Tensor, cache: inout WanFeatureCache) -> Tensor {
        var x = input
        if mode == .upsample3d, let timeConvolution {
            x = upsampleTime(x, timeConvolution, cache: &cache)
        }
        switch mode {
        case .upsample2d, .upsample3d:
            x = spatialConvolution(Self.nearestDoubled(x))
        case .downsample2d, .downsample3d:
            x = spatialConvolution(x)
        }
        if mode == .downsample3d, let timeConvolution {
            switch cache.current {
            case nil, .skippedFirstChunk?:
                // First chunk: remember it whole and pass it through.
                cache.store(.frames(Tensor.concatenate([x], axis: 2)))
            case .frames(let past)?:
                let last = Tensor.concatenate([x.sliced(axis: 2, start: -1)], axis: 2)
                x = timeConvolution(Tensor.concatenate([past.sliced(axis: 2, start: -1), x], axis: 2))
                cache.store(.frames(last))
            }
        }
        return x
    }

    /// The temporal half of `upsample3d`: [B, C, T, H, W] → [B, C, 2T, H, W] (T unchanged on the first chunk).
    private func upsampleTime(_ input: Tensor, _ timeConvolution: WanCausalConvolution3d, cache: inout WanFeatureCache) -> Tensor {
        let entry = cache.current
        guard let entry else {
            cache.store(.skippedFirstChunk)
            return input
        }
        var newCache = input.sliced(axis: 2, start: -WanFeatureCache.cachedFrames)
        var past: Tensor?
        switch entry {
        case .skippedFirstChunk:
            if newCache.shape[2] < WanFeatureCache.cachedFrames {
                newCache = Tensor.concatenate([Tensor.zeros(newCache.shape), newCache], axis: 2)
            }
        case .frames(let frames):
            past = frames
            if newCache.shape[2] < WanFeatureCache.cachedFrames {
                newCache = Tensor.concatenate([frames.sliced(axis: 2, start: -1), newCache], axis: 2)
            }
        }
        let doubled = timeConvolution(input, past: past)                          // [B, 2C, T, H, W]
        cache.store(.frames(Tensor.concatenate([newCache], axis: 2)))
        let (batch, frames, height, width) = (input.shape[0], input.shape[2], input.shape[3], input.shape[4])
        return doubled.reshaped([batch, 2, channels, frames, height, width])    // [B, 2, C, T, H, W]
            .permuted([0, 2, 3, 1, 4, 5])                                       // [B, C, T, 2, H, W]
            .reshaped([batch, channels, 2 * frames, height, width])             // [B, C, 2T, H, W]
    }

    /// Nearest ×2 of height and width (torch's "nearest-exact" at an exact factor of 2 repeats each pixel).
    static func nearestDoubled(_ input: Tensor) -> Tensor {
        let shape = input.shape
        return input.unsqueezed(4).unsqueezed(6)                                 // [B, C, T, H, 1, W, 1]
            .expanded(to: [shape[0], shape[1], shape[2], shape[3], 2, shape[4], 2])
            .reshaped([shape[0], shape[1], shape[2], 2 * shape[3], 2 * shape[4]])  // [B, C, T, 2H, 2W]
    }
}
