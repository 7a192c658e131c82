// Mirrors diffusers' `WanCausalConv3d`, `WanRMS_norm` and the 1×1 / 3×3 `nn.Conv2d`s of AutoencoderKLWan
// (models/autoencoders/autoencoder_kl_wan.py).
import NN
import Tensor

/// A 3-D convolution that pads time only on the past side (2·p frames), so frame t never sees t + 1;
/// a chunk's past comes from the feature cache instead of zeros.
final class WanCausalConvolution3d: Module {
    /// [out, in, kT, kH, kW].
    @ParameterInfo(key: "weight") var weight: Tensor
    /// [out].
    @ParameterInfo(key: "bias") var bias: Tensor
    let stride: [Int]
    /// torch's `padding` argument (time, height, width); time becomes 2·p frames in front.
    let padding: [Int]

    init(inputChannels: Int, outputChannels: Int, kernel: [Int], stride: [Int] = [1, 1, 1], padding: [Int] = [0, 0, 0]) {
        self.stride = stride
        self.padding = padding
        super.init()
        weight = Tensor.zeros([outputChannels, inputChannels] + kernel)
        bias = Tensor.zeros([outputChannels])
    }

    /// Convolves [B, C, T, H, W]; `past` frames (at most 2·p) replace that many zero frames in front.
    /// Weights stored in bf16/f16 are widened per call by the engine's conv3d.
    func callAsFunction(_ input: Tensor, past: Tensor? = nil) -> Tensor {
        var input = input
        var front = 2 * padding[0]
        if let past, front > 0 {
            input = Tensor.concatenate([past, input], axis: 2)
            front -= past.shape[2]
        }
        return input.conv3d(weight: weight, bias: bias, stride: stride,
                            padding: [ConvolutionPadding(front: front, back: 0), ConvolutionPadding(padding[1]),
                                      ConvolutionPadding(padding[2])])
    }
}

/// A per-frame 2-D convolution (diffusers' `nn.Conv2d` applied to [B·T, C, H, W]), run on [B, C, T, H, W]
/// directly as a 1×kH×kW 3-D convolution, which needs no frame-major copy.
final class WanFrameConvolution: Module {
    /// [out, in, kH, kW], as `nn.Conv2d` stores it.
    @ParameterInfo(key: "weight") var weight: Tensor
    /// [out].
    @ParameterInfo(key: "bias") var bias: Tensor
    let stride: Int
    /// (top/left, bottom/right) zero padding of height and width.
    let padding: ConvolutionPadding

    init(inputChannels: Int, outputChannels: Int, kernel: Int, stride: Int = 1, padding: ConvolutionPadding = .init(0)) {
        self.stride = stride
        self.padding = padding
        super.init()
        weight = Tensor.zeros([outputChannels, inputChannels, kernel, kernel])
        bias = Tensor.zeros([outputChannels])
    }

    /// [B, C, T, H, W] → [B, out, T, H', W'].
    func callAsFunction(_ input: Tensor) -> Tensor {
        input.conv3d(weight: weight.unsqueezed(2), bias: bias, stride: [1, stride, stride],
                     padding: [ConvolutionPadding(0), padding, padding])
    }
}

/// diffusers' `WanRMS_norm` (channel-first): F.normalize over the channels · √C · γ, i.e. an RMS norm
/// over axis 1. γ is stored [C, 1, 1, 1] (3-D blocks) or [C, 1, 1] (the attention block's).
final class WanRMSNorm: Module {
    @ParameterInfo(key: "gamma") var gamma: Tensor
    let channels: Int

    init(channels: Int, imageShaped: Bool) {
        self.channels = channels
        super.init()
        gamma = Tensor.ones([channels] + Array(repeating: 1, count: imageShaped ? 2 : 3))
    }

    /// Normalises [B, C, …] over C. F.normalize divides by max(‖x‖, 1e-12); an ε of 1e-24/C under the
    /// mean square is the same floor for a zero vector and vanishes otherwise.
    func callAsFunction(_ input: Tensor) -> Tensor {
        input.rmsNorm(weight: gamma.reshaped([channels]), epsilon: 1e-24 / Float(channels), axis: 1)
    }
}
