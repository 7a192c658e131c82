import CKernels
import Tensor
import Testing

/// A grouped 3-D convolution lowered to vol2col + naive GEMM, forward and backward, over the C kernels.
struct ConvolutionKernelRun {
    var output: [Float] = [], inputGrad: [Float] = [], weightGrad: [Float] = [], biasGrad: [Float] = []

    /// input [N, C, T, H, W], weight [O, C/groups, kT, kH, kW]; padding is (front, back) per axis.
    init(input: [Float], inputShape: [Int], weight: [Float], weightShape: [Int], bias: [Float], outputGrad: [Float],
         stride: [Int], padding: [(Int, Int)], dilation: [Int], groups: Int) {
        let (n, c) = (inputShape[0], inputShape[1]), o = weightShape[0], cg = c / groups, og = o / groups
        let kernel = Array(weightShape[2...]), spatialIn = Array(inputShape[2...])
        var spatialOut = [Int]()
        for axis in 0..<3 {
            let padded: Int = spatialIn[axis] + padding[axis].0 + padding[axis].1
            let span: Int = dilation[axis] * (kernel[axis] - 1) + 1
            spatialOut.append((padded - span) / stride[axis] + 1)
        }
        var g = vans_convolution_geometry()
        g.channels = Int64(cg)
        g.in = (Int64(spatialIn[0]), Int64(spatialIn[1]), Int64(spatialIn[2]))
        g.out = (Int64(spatialOut[0]), Int64(spatialOut[1]), Int64(spatialOut[2]))
        g.kernel = (Int64(kernel[0]), Int64(kernel[1]), Int64(kernel[2]))
        g.stride = (Int64(stride[0]), Int64(stride[1]), Int64(stride[2]))
        g.dilation = (Int64(dilation[0]), Int64(dilation[1]), Int64(dilation[2]))
        g.padding_front = (Int64(padding[0].0), Int64(padding[1].0), Int64(padding[2].0))
        let rows = cg * kernel.reduce(1, *), columns = spatialOut.reduce(1, *), plane = spatialIn.reduce(1, *)
        output = [Float](repeating: 0, count: n * o * columns)
        inputGrad = [Float](repeating: 0, count: input.count)
        weightGrad = [Float](repeating: 0, count: weight.count)
        biasGrad = [Float](repeating: 0, count: o)
        var unfolded = [Float](repeating: 0, count: rows * columns), unfoldedGrad = unfolded
        for b in 0..<n {
            for group in 0..<groups {
                let inputOffset = (b * c + group * cg) * plane
                input.withUnsafeBufferPointer { x in
                    // Two row ranges, as a parallel-for would split them.
                    vans_vol2col(&g, x.baseAddress! + inputOffset, &unfolded, 0, Int64(columns), 0, Int64(rows / 2))
                    vans_vol2col(&g, x.baseAddress! + inputOffset, &unfolded, 0, Int64(columns), Int64(rows / 2), Int64(rows))
                }
                for i in 0..<og {
                    let channel = group * og + i, w = weight[(channel * rows)..<((channel + 1) * rows)]
                    for p in 0..<columns {
                        var sum = bias[channel]
                        for (r, wr) in w.enumerated() { sum += wr * unfolded[r * columns + p] }
                        output[(b * o + channel) * columns + p] = sum
                        let gy = outputGrad[(b * o + channel) * columns + p]
                        biasGrad[channel] += gy
                        for r in 0..<rows { weightGrad[channel * rows + r] += gy * unfolded[r * columns + p] }
                    }
                }
                for r in 0..<rows {
                    for p in 0..<columns {
                        var sum: Float = 0
                        for i in 0..<og { sum += weight[(group * og + i) * rows + r] * outputGrad[(b * o + group * og + i) * columns + p] }
                        unfoldedGrad[r * columns + p] = sum
                    }
                }
                // Split the columns in two chunks to exercise column offsets.
                let half = columns / 2
                inputGrad.withUnsafeMutableBufferPointer { dx in
                    unfoldedGrad.withUnsafeBufferPointer { u in
                        var firstHalf = [Float](repeating: 0, count: rows * half), secondHalf = [Float](repeating: 0, count: rows * (columns - half))
                        for r in 0..<rows {
                            for p in 0..<half { firstHalf[r * half + p] = u[r * columns + p] }
                            for p in half..<columns { secondHalf[r * (columns - half) + p - half] = u[r * columns + p] }
                        }
                        vans_col2vol(&g, firstHalf, dx.baseAddress! + inputOffset, 0, Int64(half), 0, Int64(cg))
                        vans_col2vol(&g, secondHalf, dx.baseAddress! + inputOffset, Int64(half), Int64(columns - half), 0, Int64(cg))
                    }
                }
            }
        }
    }
}

@Suite("vol2col / col2vol convolution vs PyTorch")
struct ConvolutionKernelTests {
    func check(_ prefix: String, stride: [Int], padding: [(Int, Int)], dilation: [Int], groups: Int) throws {
        let f = try KernelFixture("kernels_convolution")
        var inputShape = try f.shape("\(prefix).input"), weightShape = try f.shape("\(prefix).weight")
        while inputShape.count < 5 { inputShape.insert(1, at: 2); weightShape.insert(1, at: 2) }
        let run = ConvolutionKernelRun(input: try f.floats("\(prefix).input"), inputShape: inputShape,
                                       weight: try f.floats("\(prefix).weight"), weightShape: weightShape,
                                       bias: try f.floats("\(prefix).bias"), outputGrad: try f.floats("\(prefix).output_grad"),
                                       stride: stride, padding: padding, dilation: dilation, groups: groups)
        #expect(kernelRelativeError(run.output, try f.floats("\(prefix).output")) <= 1e-5)
        #expect(kernelRelativeError(run.inputGrad, try f.floats("\(prefix).input_grad")) <= 1e-4)
        #expect(kernelRelativeError(run.weightGrad, try f.floats("\(prefix).weight_grad")) <= 1e-4)
        #expect(kernelRelativeError(run.biasGrad, try f.floats("\(prefix).bias_grad")) <= 1e-4)
    }

    // Grouped conv3d with stride, padding and dilation on every axis matches F.conv3d and its gradients.
    @Test func conv3d() throws {
        try check("conv3d", stride: [1, 2, 1], padding: [(1, 1), (0, 0), (2, 2)], dilation: [1, 1, 2], groups: 2)
    }

    // Wan's causal conv3d (time padded 2 in front, 0 behind) matches F.pad + F.conv3d.
    @Test func causal() throws {
        try check("causal3d", stride: [1, 1, 1], padding: [(2, 0), (1, 1), (1, 1)], dilation: [1, 1, 1], groups: 1)
    }

    // conv2d with stride 2 (strided W path) matches F.conv2d.
    @Test func conv2d() throws {
        try check("conv2d", stride: [1, 2, 2], padding: [(0, 0), (1, 1), (1, 1)], dilation: [1, 1, 1], groups: 1)
    }

    // Depthwise dilated conv1d matches F.conv1d.
    @Test func conv1d() throws {
        try check("conv1d", stride: [1, 1, 1], padding: [(0, 0), (0, 0), (2, 2)], dilation: [1, 1, 2], groups: 4)
    }
}

@Suite("Tensor.conv1d/2d/3d with autodiff")
struct ConvolutionOperationTests {
    func check(_ prefix: String, file: String = "kernels_convolution", _ run: (Tensor, Tensor, Tensor) -> Tensor) throws {
        let f = try KernelFixture(file)
        let x = try f.leaf("\(prefix).input"), w = try f.leaf("\(prefix).weight"), b = try f.leaf("\(prefix).bias")
        let output = run(x, w, b)
        #expect(try kernelRelativeError(output, f, "\(prefix).output") <= 1e-5)
        try backpropagate(output, f, prefix)
        #expect(try kernelRelativeError(x.gradient, f, "\(prefix).input_grad") <= 1e-4)
        #expect(try kernelRelativeError(w.gradient, f, "\(prefix).weight_grad") <= 1e-4)
        #expect(try kernelRelativeError(b.gradient, f, "\(prefix).bias_grad") <= 1e-4)
    }

    // Grouped, strided, dilated conv3d through sgemm matches F.conv3d forward and gradients.
    @Test func conv3d() throws {
        try check("conv3d") { x, w, b in
            x.conv3d(weight: w, bias: b, stride: [1, 2, 1], padding: [.init(1), .init(0), .init(2)], dilation: [1, 1, 2], groups: 2)
        }
    }

    // Causal temporal padding (front 2, back 0) matches Wan's CausalConv3d.
    @Test func causal() throws {
        try check("causal3d") { x, w, b in
            x.conv3d(weight: w, bias: b, padding: [.init(front: 2, back: 0), .init(1), .init(1)])
        }
    }

    // conv2d and depthwise conv1d wrappers match F.conv2d / F.conv1d.
    @Test func lowerRanks() throws {
        try check("conv2d") { x, w, b in x.conv2d(weight: w, bias: b, stride: [2, 2], padding: [.init(1), .init(1)]) }
        try check("conv1d") { x, w, b in x.conv1d(weight: w, bias: b, padding: .init(2), dilation: 2, groups: 4) }
    }

    // At 16 channels per group (stride 1) convolutions take the shifted-GEMM lowering instead of the unfold:
    // Wan's causal 3×3×3 conv and a grouped, dilated conv2d still match torch forward and in every gradient.
    @Test func shiftedGemmLowering() throws {
        try check("causal3d16", file: "kernels_convolution_shifted") { x, w, b in
            x.conv3d(weight: w, bias: b, padding: [.init(front: 2, back: 0), .init(1), .init(1)])
        }
        try check("conv2d32", file: "kernels_convolution_shifted") { x, w, b in
            x.conv2d(weight: w, bias: b, padding: [.init(1), .init(2)], dilation: [1, 2], groups: 2)
        }
    }

    // A 1×1×1 convolution (pointwise path, no unfold) equals a per-position matrix product.
    @Test func pointwise() {
        let x = Tensor((0..<24).map { Float($0) / 7 }, shape: [1, 2, 2, 3, 2]), w = Tensor([1, -2, 0.5, 3], shape: [2, 2, 1, 1, 1])
        let y = x.conv3d(weight: w).scalars, values = x.scalars
        for p in 0..<12 {
            #expect(abs(y[p] - (values[p] - 2 * values[12 + p])) < 1e-5)
            #expect(abs(y[12 + p] - (0.5 * values[p] + 3 * values[12 + p])) < 1e-5)
        }
    }
}
