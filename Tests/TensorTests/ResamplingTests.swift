import CKernels
import Testing

@Suite("Nearest and trilinear resampling vs PyTorch")
struct ResamplingKernelTests {
    func check(_ prefix: String, mode: vans_resample_mode, scale: [Double]? = nil) throws {
        let f = try KernelFixture("kernels_sampling")
        let shape = try f.shape("\(prefix).input"), outShape = try f.shape("\(prefix).output"), planes = Int64(shape[0] * shape[1])
        var g = volumeGeometry(input: Array(shape[2...]), output: Array(outShape[2...]))
        let steps = scale ?? (0..<3).map { Double(shape[2 + $0]) / Double(outShape[2 + $0]) }
        var y = [Float](repeating: .nan, count: outShape.reduce(1, *)), gx = [Float](repeating: 0, count: shape.reduce(1, *))
        vans_resample3d_forward(&g, steps, mode, try f.floats("\(prefix).input"), &y, 0, planes)
        vans_resample3d_backward(&g, steps, mode, try f.floats("\(prefix).output_grad"), &gx, 0, planes)
        #expect(kernelRelativeError(y, try f.floats("\(prefix).output")) <= 1e-5)
        #expect(kernelRelativeError(gx, try f.floats("\(prefix).input_grad")) <= 1e-4)
    }

    // Nearest ×(1, 2, 2) upsampling (scale factor given, so step = 1/scale) matches F.interpolate.
    @Test func nearest() throws { try check("nearest", mode: VANS_RESAMPLE_NEAREST, scale: [1, 0.5, 0.5]) }

    // nearest-exact to a non-multiple size (Wan's VAE upsampler mode) matches F.interpolate.
    @Test func nearestExact() throws { try check("nearest_exact", mode: VANS_RESAMPLE_NEAREST_EXACT) }

    // Trilinear (align_corners False) to a non-multiple size matches F.interpolate forward and backward.
    @Test func trilinear() throws { try check("trilinear", mode: VANS_RESAMPLE_LINEAR) }
}
