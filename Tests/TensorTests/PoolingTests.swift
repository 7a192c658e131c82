import CKernels
import Tensor
import Testing

/// Geometry for planes [T, H, W] → [T', H', W'].
func volumeGeometry(input: [Int], output: [Int], kernel: [Int] = [1, 1, 1], stride: [Int] = [1, 1, 1], padding: [Int] = [0, 0, 0]) -> vans_volume_geometry {
    var g = vans_volume_geometry()
    g.in = (Int64(input[0]), Int64(input[1]), Int64(input[2]))
    g.out = (Int64(output[0]), Int64(output[1]), Int64(output[2]))
    g.kernel = (Int64(kernel[0]), Int64(kernel[1]), Int64(kernel[2]))
    g.stride = (Int64(stride[0]), Int64(stride[1]), Int64(stride[2]))
    g.padding = (Int64(padding[0]), Int64(padding[1]), Int64(padding[2]))
    return g
}

@Suite("3-D pooling and resampling vs PyTorch")
struct PoolingKernelTests {
    // avg_pool3d (padding counted in the divisor) forward and backward match PyTorch.
    @Test func averagePool() throws {
        let f = try KernelFixture("kernels_sampling")
        let shape = try f.shape("avg.input"), outShape = try f.shape("avg.output"), planes = Int64(shape[0] * shape[1])
        var g = volumeGeometry(input: Array(shape[2...]), output: Array(outShape[2...]), kernel: [2, 3, 2], stride: [1, 2, 2], padding: [1, 1, 0])
        var y = [Float](repeating: .nan, count: outShape.reduce(1, *)), gx = [Float](repeating: 0, count: shape.reduce(1, *))
        vans_avg_pool3d_forward(&g, try f.floats("avg.input"), &y, 0, planes)
        vans_avg_pool3d_backward(&g, try f.floats("avg.output_grad"), &gx, 0, planes)
        #expect(kernelRelativeError(y, try f.floats("avg.output")) <= 1e-5)
        #expect(kernelRelativeError(gx, try f.floats("avg.input_grad")) <= 1e-4)
    }

    // max_pool3d forward and the scatter of gradients to the arg-max positions match PyTorch.
    @Test func maxPool() throws {
        let f = try KernelFixture("kernels_sampling")
        let shape = try f.shape("max.input"), outShape = try f.shape("max.output"), planes = Int64(shape[0] * shape[1])
        var g = volumeGeometry(input: Array(shape[2...]), output: Array(outShape[2...]), kernel: [2, 3, 2], stride: [2, 2, 1], padding: [0, 1, 1])
        var y = [Float](repeating: .nan, count: outShape.reduce(1, *)), gx = [Float](repeating: 0, count: shape.reduce(1, *))
        var indices = [Int64](repeating: -1, count: y.count)
        vans_max_pool3d_forward(&g, try f.floats("max.input"), &y, &indices, 0, planes)
        vans_max_pool3d_backward(&g, try f.floats("max.output_grad"), indices, &gx, 0, planes)
        #expect(kernelRelativeError(y, try f.floats("max.output")) <= 1e-5)
        #expect(kernelRelativeError(gx, try f.floats("max.input_grad")) <= 1e-4)
    }
}

@Suite("Tensor pooling and resizing ops with autodiff")
struct PoolingOperationTests {
    func check(_ prefix: String, _ run: (Tensor) -> Tensor) throws {
        let f = try KernelFixture("kernels_sampling")
        let x = try f.leaf("\(prefix).input")
        let output = run(x)
        #expect(try kernelRelativeError(output, f, "\(prefix).output") <= 1e-5)
        try backpropagate(output, f, prefix)
        #expect(try kernelRelativeError(x.gradient, f, "\(prefix).input_grad") <= 1e-4)
    }

    // averagePool3d / maxPool3d ops match F.avg_pool3d / F.max_pool3d with gradients.
    @Test func pools() throws {
        try check("avg") { $0.averagePool3d(kernel: [2, 3, 2], stride: [1, 2, 2], padding: [1, 1, 0]) }
        try check("max") { $0.maxPool3d(kernel: [2, 3, 2], stride: [2, 2, 1], padding: [0, 1, 1]) }
    }

    // resized3d in the three modes matches F.interpolate with gradients.
    @Test func resizing() throws {
        try check("nearest") { $0.resized3d(to: [3, 8, 10], mode: .nearest, scaleFactors: [1, 2, 2]) }
        try check("nearest_exact") { $0.resized3d(to: [4, 7, 9], mode: .nearestExact) }
        try check("trilinear") { $0.resized3d(to: [5, 7, 9], mode: .trilinear) }
    }
}
