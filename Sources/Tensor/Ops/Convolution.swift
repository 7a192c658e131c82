import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Zero padding before and after one spatial axis.
public struct ConvolutionPadding: Sendable, Equatable {
    /// Zeros before the first element.
    public var front: Int
    /// Zeros after the last element.
    public var back: Int

    /// Asymmetric padding (e.g. Wan's causal time padding: front 2·p, back 0).
    public init(front: Int, back: Int) { self.front = front; self.back = back }
    /// Symmetric padding, as PyTorch's `padding=p`.
    public init(_ both: Int) { self.init(front: both, back: both) }
}

/// How `conv3d` computes a convolution.
public enum ConvolutionAlgorithm: Sendable, Equatable {
    /// Winograd F(2×2×2, 3×3×3) for stride-1, undilated, ungrouped 3×3×3 convolutions of 16+ channels in and out
    /// when no gradient is recorded (3.4× fewer multiplies; the sums regrouped, so float32 results move by about
    /// 1e-7 relative); the direct lowering otherwise. `VANS_CONV_WINOGRAD=never|always` overrides the channel rule.
    case automatic
    /// Always the direct lowering (shifted GEMM, unfold + GEMM, or pointwise GEMM): sums grouped as PyTorch's.
    case direct
}

extension Tensor {
    /// 3-D convolution (F.conv3d) of input [N, C, T, H, W] with weight [O, C/groups, kT, kH, kW]: Winograd or
    /// a direct GEMM lowering (see ``ConvolutionAlgorithm``), the unfolded matrix kept within a few MB.
    public func conv3d(weight: Tensor, bias: Tensor? = nil, stride: [Int] = [1, 1, 1],
                       padding: [ConvolutionPadding] = Array(repeating: ConvolutionPadding(0), count: 3),
                       dilation: [Int] = [1, 1, 1], groups: Int = 1, algorithm: ConvolutionAlgorithm = .automatic) -> Tensor {
        precondition(rank == 5 && weight.rank == 5, "conv3d expects input [N, C, T, H, W] and weight [O, C/g, kT, kH, kW]")
        precondition(stride.count == 3 && padding.count == 3 && dilation.count == 3, "conv3d needs three strides, paddings and dilations")
        precondition(groups > 0 && shape[1] % groups == 0 && weight.shape[0] % groups == 0 && weight.shape[1] * groups == shape[1],
                     "conv3d: input \(shape) and weight \(weight.shape) do not agree with \(groups) groups")
        if let bias { precondition(bias.shape == [weight.shape[0]], "conv3d bias \(bias.shape) must be [\(weight.shape[0])]") }
        if algorithm == .automatic,
           Tensor.usesWinograd(input: self, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups) {
            return conv3d(winogradFilter: weight.winogradFilter3d(), bias: bias, padding: padding)
        }
        let kernel = Array(weight.shape[2...]), spatial = Array(shape[2...])
        var outSpatial = [Int]()
        for axis in 0..<3 {
            let span = dilation[axis] * (kernel[axis] - 1) + 1
            let padded = spatial[axis] + padding[axis].front + padding[axis].back
            precondition(padded >= span && stride[axis] > 0, "conv3d: kernel span \(span) exceeds padded input \(padded) on axis \(axis)")
            outSpatial.append((padded - span) / stride[axis] + 1)
        }
        let plan = ConvolutionPlan(batch: shape[0], channels: shape[1], outChannels: weight.shape[0], groups: groups,
                                   spatial: spatial, outSpatial: outSpatial, kernel: kernel, stride: stride,
                                   padding: padding.map(\.front), dilation: dilation)
        let x = asFloat32.contiguous(), w = weight.asFloat32.contiguous(), b = bias?.asFloat32.contiguous()
        let output = plan.forward(input: x, weight: w, bias: b)
        return Autograd.record(output, operation: "conv3d", inputs: [x, w] + (b.map { [$0] } ?? [])) { gradient in
            let g = gradient.contiguous()
            let (inputGrad, weightGrad) = plan.backward(outputGrad: g, input: x, weight: w)
            let biasGrad = b == nil ? nil : g.sum(axes: [0, 2, 3, 4])
            return [inputGrad, weightGrad] + (b == nil ? [] : [biasGrad])
        }
    }

    /// Whether `.automatic` takes Winograd: the shape it handles, nothing to differentiate, and (unless
    /// `VANS_CONV_WINOGRAD` says otherwise) 16+ channels in and out, where its GEMMs are wide enough to pay.
    static func usesWinograd(input: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: [ConvolutionPadding],
                             dilation: [Int], groups: Int) -> Bool {
        guard Array(weight.shape[2...]) == [3, 3, 3], stride == [1, 1, 1], dilation == [1, 1, 1], groups == 1,
              padding.allSatisfy({ $0.front >= 0 && $0.back >= 0 }),
              (0..<3).allSatisfy({ input.shape[2 + $0] + padding[$0].front + padding[$0].back >= 3 }) else { return false }
        if Autograd.isRecording && (input.gradientNode != nil || weight.gradientNode != nil || bias?.gradientNode != nil) { return false }
        switch winogradOverride {
        case "never": return false
        case "always": return true
        default: return input.shape[1] >= 16 && weight.shape[0] >= 16
        }
    }
    static let winogradOverride: String = getenv("VANS_CONV_WINOGRAD").map { String(cString: $0) } ?? ""

    /// 2-D convolution (F.conv2d) of [N, C, H, W] with weight [O, C/groups, kH, kW].
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: [Int] = [1, 1], padding: [ConvolutionPadding] = [.init(0), .init(0)],
                       dilation: [Int] = [1, 1], groups: Int = 1) -> Tensor {
        precondition(rank == 4 && weight.rank == 4, "conv2d expects input [N, C, H, W] and weight [O, C/g, kH, kW]")
        return unsqueezed(2).conv3d(weight: weight.unsqueezed(2), bias: bias, stride: [1] + stride, padding: [.init(0)] + padding,
                                    dilation: [1] + dilation, groups: groups).squeezed(2)
    }

    /// 1-D convolution (F.conv1d) of [N, C, L] with weight [O, C/groups, k].
    public func conv1d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: ConvolutionPadding = .init(0),
                       dilation: Int = 1, groups: Int = 1) -> Tensor {
        precondition(rank == 3 && weight.rank == 3, "conv1d expects input [N, C, L] and weight [O, C/g, k]")
        return unsqueezed(2).unsqueezed(2)
            .conv3d(weight: weight.unsqueezed(2).unsqueezed(2), bias: bias, stride: [1, 1, stride],
                    padding: [.init(0), .init(0), padding], dilation: [1, 1, dilation], groups: groups)
            .squeezed(2).squeezed(2)
    }
}
