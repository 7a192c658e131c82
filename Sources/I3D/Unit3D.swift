// Mirrors `Unit3D` of cdfvd/third_party/i3d/pytorch_i3d.py: SAME-padded Conv3d (no bias) → BatchNorm3d with
// running statistics (evaluation mode) → ReLU; the logits unit is a biased 1×1×1 conv with neither.
import NN
import Tensor

/// `nn.BatchNorm3d` in evaluation mode: (x − running_mean) / √(running_var + ε) · weight + bias per channel.
/// The running statistics are loaded like parameters (they are in the state dict) but never trained here.
public final class BatchNorm3d: Module {
    /// γ, [channels].
    @ParameterInfo(key: "weight") public var weight: Tensor
    /// β, [channels].
    @ParameterInfo(key: "bias") public var bias: Tensor
    /// [channels].
    @ParameterInfo(key: "running_mean") public var runningMean: Tensor
    /// [channels].
    @ParameterInfo(key: "running_var") public var runningVariance: Tensor

    /// An identity-initialised norm (γ 1, β 0, mean 0, variance 1), as torch creates it.
    public init(channels: Int) {
        super.init()
        weight = .ones([channels])
        bias = .zeros([channels])
        runningMean = .zeros([channels])
        runningVariance = .ones([channels])
    }

    /// The per-channel affine map the norm applies, y = x · scale + shift, with ε given by the model.
    func affine(epsilon: Float) -> (scale: Tensor, shift: Tensor) {
        let scale = (runningVariance.converted(to: .float32) + epsilon).rsqrt() * weight.converted(to: .float32)
        return (scale, bias.converted(to: .float32) - runningMean.converted(to: .float32) * scale)
    }
}

/// One convolution unit of I3D.
public final class Unit3D: Module {
    @ModuleInfo(key: "conv3d") public var convolution: Conv3d
    @ModuleInfo(key: "bn") public var batchNorm: BatchNorm3d?
    public let kernel: [Int]
    public let stride: [Int]
    /// ReLU after the norm (every unit except the logits).
    public let usesActivation: Bool
    /// Whether a 3×3×3 unit may run Winograd F(2×2×2, 3×3×3) when no gradient is needed (set through
    /// ``InceptionI3d/usesWinogradConvolutions``).
    var allowsWinograd = true

    /// A unit with zero weights (to be loaded): batch norm and ReLU, or (for the logits) a bias and neither.
    public init(inputChannels: Int, outputChannels: Int, kernel: [Int] = [1, 1, 1], stride: [Int] = [1, 1, 1],
                isLogits: Bool = false) {
        self.kernel = kernel
        self.stride = stride
        usesActivation = !isLogits
        super.init()
        convolution = Conv3d(weight: .zeros([outputChannels, inputChannels] + kernel),
                             bias: isLogits ? .zeros([outputChannels]) : nil, stride: stride)
        batchNorm = isLogits ? nil : BatchNorm3d(channels: outputChannels)
    }

    /// [N, C, T, H, W] → [N, outputChannels, ⌈T/sT⌉, ⌈H/sH⌉, ⌈W/sW⌉].
    public func callAsFunction(_ input: Tensor, epsilon: Float) -> Tensor {
        let padding = samePadding(input: input, kernel: kernel, stride: stride)
        guard let batchNorm else {
            return input.conv3d(weight: convolution.weight, bias: convolution.bias, stride: stride, padding: padding)
        }
        let (weight, shift) = foldedParameters(batchNorm, epsilon: epsilon)
        let output: Tensor
        if let transformed = winogradFilter(input: input, folded: weight) {
            output = input.conv3d(winogradFilter: transformed, bias: shift, padding: padding)
        } else {
            output = input.conv3d(weight: weight, bias: shift, stride: stride, padding: padding,
                                  algorithm: allowsWinograd ? .automatic : .direct)
        }
        return usesActivation ? output.relu() : output
    }

    /// The folded weight's Winograd transform (cached with the fold) when this call may use it: a stride-1 3×3×3
    /// unit, Winograd allowed, and nothing to differentiate (the Winograd op is forward only).
    private func winogradFilter(input: Tensor, folded weight: Tensor) -> Tensor? {
        guard allowsWinograd, kernel == [3, 3, 3], stride == [1, 1, 1], var cached = folded, cached.weight.storage === weight.storage
        else { return nil }
        if Autograd.isRecording && (input.gradientNode != nil || weight.gradientNode != nil) { return nil }
        if let transformed = cached.winograd { return transformed }
        let transformed = weight.winogradFilter3d()
        cached.winograd = transformed
        folded = cached
        return transformed
    }

    /// The convolution with batch norm folded in (weight · scale, bias = shift): one pass over the output instead of
    /// three; it differs from conv-then-norm only in float32 rounding. Kept while the parameter tensors and ε stay the
    /// same (`load`/`update` install new tensors, which rebuilds it); under autodiff it is rebuilt each call so
    /// gradients reach the parameters.
    func foldedParameters(_ batchNorm: BatchNorm3d, epsilon: Float) -> (weight: Tensor, shift: Tensor) {
        let parameters = [convolution.weight, batchNorm.weight, batchNorm.bias, batchNorm.runningMean, batchNorm.runningVariance]
        let sources = parameters.map { FoldedConvolution.Source(storage: ObjectIdentifier($0.storage), offset: $0.offset) }
        let recording = Autograd.isRecording && parameters.contains { $0.gradientNode != nil }
        if !recording, let folded, folded.sources == sources, folded.epsilon == epsilon { return (folded.weight, folded.shift) }
        let (scale, shift) = batchNorm.affine(epsilon: epsilon)
        let outputChannels = convolution.weight.shape[0]
        let weight = convolution.weight.converted(to: .float32) * scale.reshaped([outputChannels, 1, 1, 1, 1])  // [O, C, kT, kH, kW]
        if !recording { folded = FoldedConvolution(sources: sources, epsilon: epsilon, weight: weight, shift: shift) }
        return (weight, shift)
    }

    /// The cached fold and what it was built from.
    private var folded: FoldedConvolution?

    /// The convolution's weight and bias as `callAsFunction` applies them: batch norm folded in, or the logits
    /// unit's own bias.
    func appliedParameters(epsilon: Float) -> (weight: Tensor, bias: Tensor?) {
        guard let batchNorm else { return (convolution.weight, convolution.bias) }
        let (weight, shift) = foldedParameters(batchNorm, epsilon: epsilon)
        return (weight, shift)
    }
}

/// A folded convolution and the parameter tensors (by storage and offset) and ε it came from.
struct FoldedConvolution {
    struct Source: Equatable {
        var storage: ObjectIdentifier
        var offset: Int
    }
    var sources: [Source]
    var epsilon: Float
    var weight: Tensor
    var shift: Tensor
    /// The weight's Winograd transform, made on first use.
    var winograd: Tensor? = nil
}
