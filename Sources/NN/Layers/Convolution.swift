// Mirrors torch.nn.Conv3d (weight [out, in/groups, kT, kH, kW], kaiming-uniform(a=√5) initialisation)
// over the engine's conv3d kernel; `causalTime` pads time only on the past, as Wan's CausalConv3d.
import Tensor

/// A 3-D convolution over [N, C, T, H, W].
open class Conv3d: Module {
    /// [outputChannels, inputChannels / groups, kT, kH, kW].
    @ParameterInfo(key: "weight") public var weight: Tensor
    /// [outputChannels], or nil.
    @ParameterInfo(key: "bias") public var bias: Tensor?
    public let stride: [Int]
    public let padding: [Int]
    public let dilation: [Int]
    public let groups: Int
    /// Pad time with 2·padding frames before and none after (Wan's causal convolution).
    public let causalTime: Bool

    public init(weight: Tensor, bias: Tensor?, stride: [Int] = [1, 1, 1], padding: [Int] = [0, 0, 0],
                dilation: [Int] = [1, 1, 1], groups: Int = 1, causalTime: Bool = false) {
        precondition(weight.rank == 5, "Conv3d weight must be [out, in/groups, kT, kH, kW], got \(weight.shape)")
        precondition(stride.count == 3 && padding.count == 3 && dilation.count == 3, "Conv3d needs three strides, paddings and dilations")
        precondition(groups > 0 && weight.shape[0] % groups == 0, "output channels \(weight.shape[0]) are not divisible by \(groups) groups")
        precondition(bias == nil || bias!.shape == [weight.shape[0]], "Conv3d bias must be [\(weight.shape[0])]")
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.causalTime = causalTime
        super.init()
        self.weight = weight
        self.bias = bias
    }

    /// A convolution initialised as torch does (U(±1/√fan_in) for weight and bias), reproducibly.
    public convenience init(inputChannels: Int, outputChannels: Int, kernelSize: [Int], stride: [Int] = [1, 1, 1],
                            padding: [Int] = [0, 0, 0], dilation: [Int] = [1, 1, 1], groups: Int = 1, bias: Bool = true,
                            causalTime: Bool = false, initializer: inout RandomGenerator) {
        precondition(kernelSize.count == 3 && inputChannels % groups == 0, "Conv3d needs a 3-D kernel and channels divisible by groups")
        let fanIn = inputChannels / groups * kernelSize.reduce(1, *)
        let bound = 1 / Float(fanIn).squareRoot()
        let weight = initializer.uniform([outputChannels, inputChannels / groups] + kernelSize, low: -bound, high: bound)
        self.init(weight: weight, bias: bias ? initializer.uniform([outputChannels], low: -bound, high: bound) : nil,
                  stride: stride, padding: padding, dilation: dilation, groups: groups, causalTime: causalTime)
    }

    open func callAsFunction(_ input: Tensor) -> Tensor {
        var pads = padding.map { ConvolutionPadding($0) }
        if causalTime { pads[0] = ConvolutionPadding(front: 2 * padding[0], back: 0) }
        return input.conv3d(weight: weight, bias: bias, stride: stride, padding: pads, dilation: dilation, groups: groups)
    }
}
