import CKernels
import Tensor
import Testing

@Suite("Fused normalisation kernels vs PyTorch")
struct NormalizationKernelTests {
    // RMSNorm forward, input gradient and weight gradient (summed over two row ranges) match Qwen2RMSNorm.
    @Test func rmsNorm() throws {
        let f = try KernelFixture("kernels_normalization")
        let x = try f.floats("rms.input"), w = try f.floats("rms.weight"), gy = try f.floats("rms.output_grad")
        let dim = w.count, rows = x.count / dim
        var y = [Float](repeating: .nan, count: x.count), gx = y
        var partials = [[Float]](repeating: [Float](repeating: 0, count: dim), count: 2)
        vans_rms_norm_forward(x, w, &y, Int64(dim), 1e-6, 0, Int64(rows))
        vans_rms_norm_backward(x, w, gy, &gx, &partials[0], Int64(dim), 1e-6, 0, 2)
        vans_rms_norm_backward(x, w, gy, &gx, &partials[1], Int64(dim), 1e-6, 2, Int64(rows))
        #expect(kernelRelativeError(y, try f.floats("rms.output")) <= 1e-5)
        #expect(kernelRelativeError(gx, try f.floats("rms.input_grad")) <= 1e-4)
        #expect(kernelRelativeError(zip(partials[0], partials[1]).map(+), try f.floats("rms.weight_grad")) <= 1e-4)
    }

    // LayerNorm with affine weight and bias matches F.layer_norm forward and all gradients.
    @Test func layerNorm() throws {
        let f = try KernelFixture("kernels_normalization")
        let x = try f.floats("layer.input"), w = try f.floats("layer.weight"), b = try f.floats("layer.bias")
        let gy = try f.floats("layer.output_grad"), dim = w.count, rows = x.count / dim
        var y = [Float](repeating: .nan, count: x.count), gx = y
        var gw = [Float](repeating: 0, count: dim), gb = gw
        vans_layer_norm_forward(x, w, b, &y, Int64(dim), 1e-5, 0, Int64(rows))
        vans_layer_norm_backward(x, w, gy, &gx, &gw, &gb, Int64(dim), 1e-5, 0, Int64(rows))
        #expect(kernelRelativeError(y, try f.floats("layer.output")) <= 1e-5)
        #expect(kernelRelativeError(gx, try f.floats("layer.input_grad")) <= 1e-4)
        #expect(kernelRelativeError(gw, try f.floats("layer.weight_grad")) <= 1e-4)
        #expect(kernelRelativeError(gb, try f.floats("layer.bias_grad")) <= 1e-4)
    }

    // GroupNorm (3 groups of 2 channels over a 3×4×5 volume) matches F.group_norm forward and all gradients.
    @Test func groupNorm() throws {
        let f = try KernelFixture("kernels_normalization")
        let x = try f.floats("group.input"), w = try f.floats("group.weight"), b = try f.floats("group.bias")
        let shape = try f.shape("group.input"), gy = try f.floats("group.output_grad")
        let channels = shape[1], spatial = shape[2...].reduce(1, *), tasks = Int64(shape[0] * 3)
        var y = [Float](repeating: .nan, count: x.count), gx = y
        var gw = [Float](repeating: 0, count: channels), gb = gw
        vans_group_norm_forward(x, w, b, &y, Int64(channels), Int64(spatial), 3, 1e-6, 0, tasks)
        vans_group_norm_backward(x, w, gy, &gx, &gw, &gb, Int64(channels), Int64(spatial), 3, 1e-6, 0, tasks)
        #expect(kernelRelativeError(y, try f.floats("group.output")) <= 1e-5)
        #expect(kernelRelativeError(gx, try f.floats("group.input_grad")) <= 1e-4)
        #expect(kernelRelativeError(gw, try f.floats("group.weight_grad")) <= 1e-4)
        #expect(kernelRelativeError(gb, try f.floats("group.bias_grad")) <= 1e-4)
    }
}

@Suite("Tensor normalisation ops with autodiff")
struct NormalizationOperationTests {
    // rmsNorm / layerNorm / groupNorm ops give PyTorch's outputs and parameter gradients through autodiff.
    @Test func allNorms() throws {
        let f = try KernelFixture("kernels_normalization")
        let x = try f.leaf("rms.input"), w = try f.leaf("rms.weight")
        let rms = x.rmsNorm(weight: w, epsilon: 1e-6)
        #expect(try kernelRelativeError(rms, f, "rms.output") <= 1e-5)
        try backpropagate(rms, f, "rms")
        #expect(try kernelRelativeError(x.gradient, f, "rms.input_grad") <= 1e-4)
        #expect(try kernelRelativeError(w.gradient, f, "rms.weight_grad") <= 1e-4)

        let lx = try f.leaf("layer.input"), lw = try f.leaf("layer.weight"), lb = try f.leaf("layer.bias")
        let layer = lx.layerNorm(weight: lw, bias: lb, epsilon: 1e-5)
        #expect(try kernelRelativeError(layer, f, "layer.output") <= 1e-5)
        try backpropagate(layer, f, "layer")
        #expect(try kernelRelativeError(lx.gradient, f, "layer.input_grad") <= 1e-4)
        #expect(try kernelRelativeError(lw.gradient, f, "layer.weight_grad") <= 1e-4)
        #expect(try kernelRelativeError(lb.gradient, f, "layer.bias_grad") <= 1e-4)

        let gx = try f.leaf("group.input"), gw = try f.leaf("group.weight"), gb = try f.leaf("group.bias")
        let group = gx.groupNorm(groups: 3, weight: gw, bias: gb, epsilon: 1e-6)
        #expect(try kernelRelativeError(group, f, "group.output") <= 1e-5)
        try backpropagate(group, f, "group")
        #expect(try kernelRelativeError(gx.gradient, f, "group.input_grad") <= 1e-4)
        #expect(try kernelRelativeError(gw.gradient, f, "group.weight_grad") <= 1e-4)
        #expect(try kernelRelativeError(gb.gradient, f, "group.bias_grad") <= 1e-4)
    }
}
