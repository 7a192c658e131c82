import CKernels

/// A grouped 3-D convolution lowered to vol2col + sgemm, processed in column chunks (output
/// positions) so the unfolded matrix stays small; 1×1×1 stride-1 convolutions skip the unfold.
struct ConvolutionPlan: Sendable {
    let batch: Int, channels: Int, outChannels: Int, groups: Int
    let spatial: [Int], outSpatial: [Int], kernel: [Int], stride: [Int], padding: [Int], dilation: [Int]

    var groupChannels: Int { channels / groups }
    var groupOutChannels: Int { outChannels / groups }
    var rows: Int { groupChannels * kernel.reduce(1, *) }
    var inputPlane: Int { spatial.reduce(1, *) }
    var positions: Int { outSpatial.reduce(1, *) }
    var isPointwise: Bool {
        kernel == [1, 1, 1] && stride == [1, 1, 1] && padding == [0, 0, 0] && outSpatial == spatial
    }
    /// Output positions per chunk: about 4M floats of unfolded columns.
    var chunk: Int { max(1, min(positions, max(256, (1 << 22) / max(rows, 1)))) }

    var geometry: vans_convolution_geometry {
        var g = vans_convolution_geometry()
        g.channels = Int64(groupChannels)
        g.in = (Int64(spatial[0]), Int64(spatial[1]), Int64(spatial[2]))
        g.out = (Int64(outSpatial[0]), Int64(outSpatial[1]), Int64(outSpatial[2]))
        g.kernel = (Int64(kernel[0]), Int64(kernel[1]), Int64(kernel[2]))
        g.stride = (Int64(stride[0]), Int64(stride[1]), Int64(stride[2]))
        g.dilation = (Int64(dilation[0]), Int64(dilation[1]), Int64(dilation[2]))
        g.padding_front = (Int64(padding[0]), Int64(padding[1]), Int64(padding[2]))
        return g
    }

    /// Unfolds columns [start, start + count) of one (batch, group) input block in parallel.
    private func unfold(_ input: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>, start: Int, count: Int) {
        let geometry = UncheckedSendable(value: self.geometry)
        let source = SendablePointer(input), target = SendablePointer(columns)
        Parallel.forEach(count: rows, minimumChunk: 8) { range in
            var g = geometry.value
            vans_vol2col(&g, source.base, target.base, Int64(start), Int64(count), Int64(range.lowerBound), Int64(range.upperBound))
        }
    }

    func forward(input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        BLAS.ensureLoaded()
        let output = Tensor(shape: [batch, outChannels] + outSpatial, zeroed: false)
        let x = input.pointer(as: Float.self), w = weight.pointer(as: Float.self), y = output.pointer(as: Float.self)
        let columns = isPointwise ? nil : Tensor(shape: [rows * chunk], zeroed: false)
        for n in 0..<batch {
            for group in 0..<groups {
                let block = x + (n * channels + group * groupChannels) * inputPlane
                let weights = w + group * groupOutChannels * rows
                let out = y + (n * outChannels + group * groupOutChannels) * positions
                for start in Swift.stride(from: 0, to: positions, by: chunk) {
                    let count = min(chunk, positions - start)
                    var right = UnsafePointer(block + start), leading = inputPlane
                    if let columns {
                        unfold(block, into: columns.pointer(as: Float.self), start: start, count: count)
                        right = UnsafePointer(columns.pointer(as: Float.self)); leading = count
                    }
                    vans_sgemm(0, 0, Int64(groupOutChannels), Int64(count), Int64(rows), 1, weights, Int64(rows),
                               right, Int64(leading), 0, out + start, Int64(positions))
                }
            }
        }
        if let bias {
            let pb = SendablePointer(bias.pointer(as: Float.self)), py = SendablePointer(y)
            let (outChannels, positions) = (self.outChannels, self.positions)
            Parallel.forEach(count: batch * outChannels) { range in
                for row in range {
                    let value = pb.base[row % outChannels], line = py.base + row * positions
                    for i in 0..<positions { line[i] += value }
                }
            }
        }
        return output
    }

    func backward(outputGrad: Tensor, input: Tensor, weight: Tensor) -> (input: Tensor, weight: Tensor) {
        BLAS.ensureLoaded()
        let inputGrad = Tensor(shape: input.shape), weightGrad = Tensor(shape: weight.shape)
        let x = input.pointer(as: Float.self), w = weight.pointer(as: Float.self), gy = outputGrad.pointer(as: Float.self)
        let gx = inputGrad.pointer(as: Float.self), gw = weightGrad.pointer(as: Float.self)
        let columns = isPointwise ? nil : Tensor(shape: [rows * chunk], zeroed: false)
        let columnGrad = isPointwise ? nil : Tensor(shape: [rows * chunk], zeroed: false)
        for n in 0..<batch {
            for group in 0..<groups {
                let block = x + (n * channels + group * groupChannels) * inputPlane
                let gradBlock = gx + (n * channels + group * groupChannels) * inputPlane
                let weights = w + group * groupOutChannels * rows, weightGrads = gw + group * groupOutChannels * rows
                let upstream = gy + (n * outChannels + group * groupOutChannels) * positions
                for start in Swift.stride(from: 0, to: positions, by: chunk) {
                    let count = min(chunk, positions - start)
                    guard let columns, let columnGrad else {
                        // Pointwise: the input block is its own column matrix.
                        vans_sgemm(0, 1, Int64(groupOutChannels), Int64(rows), Int64(count), 1, upstream + start, Int64(positions),
                                   block + start, Int64(inputPlane), 1, weightGrads, Int64(rows))
                        vans_sgemm(1, 0, Int64(rows), Int64(count), Int64(groupOutChannels), 1, weights, Int64(rows),
                                   upstream + start, Int64(positions), 0, gradBlock + start, Int64(inputPlane))
                        continue
                    }
                    let unfolded = columns.pointer(as: Float.self), unfoldedGrad = columnGrad.pointer(as: Float.self)
                    unfold(block, into: unfolded, start: start, count: count)
                    vans_sgemm(0, 1, Int64(groupOutChannels), Int64(rows), Int64(count), 1, upstream + start, Int64(positions),
                               unfolded, Int64(count), 1, weightGrads, Int64(rows))
                    vans_sgemm(1, 0, Int64(rows), Int64(count), Int64(groupOutChannels), 1, weights, Int64(rows),
                               upstream + start, Int64(positions), 0, unfoldedGrad, Int64(count))
                    let geometry = UncheckedSendable(value: self.geometry)
                    let source = SendablePointer(unfoldedGrad), target = SendablePointer(gradBlock)
                    Parallel.forEach(count: groupChannels) { range in
                        var g = geometry.value
                        vans_col2vol(&g, source.base, target.base, Int64(start), Int64(count),
                                     Int64(range.lowerBound), Int64(range.upperBound))
                    }
                }
            }
        }
        return (inputGrad, weightGrad)
    }
}
