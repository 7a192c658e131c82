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
        let outputs = [
            branch0(input, epsilon: epsilon),
            branch1(branch1Reduce(input, epsilon: epsilon), epsilon: epsilon),
            branch2(branch2Reduce(input, epsilon: epsilon), epsilon: epsilon),
            branch3(pool(input), epsilon: epsilon),
        ]
        return Tensor.concatenate(outputs, axis: 1)
    }
}
