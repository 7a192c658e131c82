// Mirrors `compute_pad` and `MaxPool3dSamePadding` of cdfvd/third_party/i3d/pytorch_i3d.py: TensorFlow's SAME
// padding worked out from the input size at run time, asymmetric (the larger half after).
import Tensor

/// TF-style SAME padding for one axis, exactly as the port's `compute_pad`:
/// total = max(k − s, 0) when `size` is a multiple of s, else max(k − size mod s, 0); `total / 2` goes before.
/// (For stride 1 and odd k this is the symmetric (k − 1)/2; for 7/2 on an even size it is 2 before, 3 after.)
public func samePadding(size: Int, kernel: Int, stride: Int) -> ConvolutionPadding {
    let total = size % stride == 0 ? Swift.max(kernel - stride, 0) : Swift.max(kernel - size % stride, 0)
    return ConvolutionPadding(front: total / 2, back: total - total / 2)
}

/// SAME padding for the three axes of a [N, C, T, H, W] input.
func samePadding(input: Tensor, kernel: [Int], stride: [Int]) -> [ConvolutionPadding] {
    (0..<3).map { samePadding(size: input.shape[2 + $0], kernel: kernel[$0], stride: stride[$0]) }
}

/// `MaxPool3dSamePadding`: zero padding to SAME (F.pad's default constant 0, not −∞), then an unpadded max pool
/// (the engine's separable `maxPool3d(kernel:stride:zeroPadding:)`, which never materialises the padded tensor).
///
/// The zeros only matter when a window could be all-negative: every pool in I3D follows a ReLU, so there
/// they equal −∞ padding, but this mirrors the port's rule for any input rather than relying on that.
public struct MaxPool3dSamePadding: Sendable {
    public let kernel: [Int]
    public let stride: [Int]

    public init(kernel: [Int], stride: [Int]) {
        self.kernel = kernel
        self.stride = stride
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.maxPool3d(kernel: kernel, stride: stride, zeroPadding: samePadding(input: input, kernel: kernel, stride: stride))
    }
}
