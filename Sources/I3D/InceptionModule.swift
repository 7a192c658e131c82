// Mirrors `InceptionModule` of cdfvd/third_party/i3d/pytorch_i3d.py: four branches (1³; 1³ → 3³; 1³ → 3³;
// SAME max-pool 3³/1 → 1³) concatenated over channels.
import NN
import Tensor

/// One "Mixed" block of I3D.
public final class InceptionModule: Module {
    @ModuleInfo(key: "b0") var branch0: Unit3D
    @ModuleInfo(key: "b1a") var branch1Reduce: Unit3D
    @ModuleInfo(key: "b1b") var branch1: Unit3D
    @ModuleInfo(key: "b2a") var branch2Reduce: Unit3D
    @ModuleInfo(key: "b2b") var branch2: Unit3D
    @ModuleInfo(key: "b3b") var branch3: Unit3D
    let pool = MaxPool3dSamePadding(kernel: [3, 3, 3], stride: [1, 1, 1])

    /// `widths` as the port lists them: [b0, b1a, b1b, b2a, b2b, b3b] output channels.
    public init(inputChannels: Int, widths: [Int]) {
        precondition(widths.count == 6, "an inception module has six unit widths")
        super.init()
        branch0 = Unit3D(inputChannels: inputChannels, outputChannels: widths[0])
        branch1Reduce = Unit3D(inputChannels: inputChannels, outputChannels: widths[1])
        branch1 = Unit3D(inputChannels: widths[1], outputChannels: widths[2], kernel: [3, 3, 3])
        branch2Reduce = Unit3D(inputChannels: inputChannels, outputChannels: widths[3])
        branch2 = Unit3D(inputChannels: widths[3], outputChannels: widths[4], kernel: [3, 3, 3])
        branch3 = Unit3D(inputChannels: inputChannels, outputChannels: widths[5])
    }

    /// Output channels: b0 + b1b + b2b + b3b.
    public var outputChannels: Int {
        [branch0, branch1, branch2, branch3].map { $0.convolution.weight.shape[0] }.reduce(0, +)
    }

    /// [N, C, T, H, W] → [N, outputChannels, T, H, W].
    public func callAsFunction(_ input: Tensor, epsilon: Float) -> Tensor {
        let widths = [branch0, branch1Reduce, branch2Reduce].map { $0.convolution.weight.shape[0] }
        let pointwise = pointwiseOutputs(input, epsilon: epsilon).split(sizes: widths, axis: 1)
        let outputs = [
            pointwise[0],
            branch1(pointwise[1], epsilon: epsilon),
            branch2(pointwise[2], epsilon: epsilon),
            branch3(pool(input), epsilon: epsilon),
        ]
        return Tensor.concatenate(outputs, axis: 1)
    }

    /// b0, b1a and b2a are 1×1×1 units of the same input: one convolution with their folded weights stacked
    /// (one GEMM with M = b0 + b1a + b2a reads the input once, instead of three narrow ones), then ReLU.
    /// The same numbers as the three units apart: each output channel is the same dot products.
    func pointwiseOutputs(_ input: Tensor, epsilon: Float) -> Tensor {
        let units = [branch0, branch1Reduce, branch2Reduce]
        let parameters = units.map { $0.appliedParameters(epsilon: epsilon) }
        let biases = parameters.map { $0.bias ?? .zeros([$0.weight.shape[0]]) }  // units with batch norm always have one
        let sources = (parameters.map(\.weight) + biases).map {
            FoldedConvolution.Source(storage: ObjectIdentifier($0.storage), offset: $0.offset)
        }
        let stacked: (weight: Tensor, bias: Tensor)
        if let cached = stackedPointwise, cached.sources == sources {
            stacked = (cached.weight, cached.bias)
        } else {
            stacked = (Tensor.concatenate(parameters.map(\.weight), axis: 0), Tensor.concatenate(biases, axis: 0))
            // Under autodiff the folds are rebuilt every call (new storages), so nothing stale is ever reused.
            if !Autograd.isRecording { stackedPointwise = (sources, stacked.weight, stacked.bias) }
        }
        return input.conv3d(weight: stacked.weight, bias: stacked.bias, stride: [1, 1, 1],
                            padding: samePadding(input: input, kernel: [1, 1, 1], stride: [1, 1, 1])).relu()
    }

    /// The stacked pointwise weights and the folded tensors (by storage and offset) they were built from.
    private var stackedPointwise: (sources: [FoldedConvolution.Source], weight: Tensor, bias: Tensor)?
}
