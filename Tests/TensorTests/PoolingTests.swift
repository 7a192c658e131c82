import CKernels
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
        #expect(relativeError(y, try f.floats("avg.output")) <= 1e-5)
        #expect(relativeError(gx, try f.floats("avg.input_grad")) <= 1e-4)
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
        #expect(relativeError(y, try f.floats("max.output")) <= 1e-5)
        #expect(relativeError(gx, try f.floats("max.input_grad")) <= 1e-4)
    }
}
