import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Stride-1 convolutions with enough input channels skip the unfold: the input is zero-padded once to
    /// [C, Tp, Hp, Wp] and, with output positions numbered in that padded layout (q = t·Hp·Wp + h·Wp + w),
    /// each kernel tap is a plain GEMM over the padded input shifted by the tap's offset
    /// (K = input channels), accumulated into a padded-layout output that is cropped at the end.
    /// `VANS_CONV_SHIFTED_GEMM=always|never` overrides the choice (for tests and A/B runs).
    var usesShiftedGemm: Bool {
        guard stride == [1, 1, 1], !isPointwise else { return false }
        switch ConvolutionPlan.shiftedGemmOverride {
        case "always": return true
        case "never": return false
        default: return groupChannels >= 16 && groupOutChannels >= 16
        }
    }
    static let shiftedGemmOverride: String = {
        guard let value = getenv("VANS_CONV_SHIFTED_GEMM") else { return "" }
        return String(cString: value)
    }()
    /// The zero-padded extent [Tp, Hp, Wp] of the shifted-GEMM lowering (stride 1: output + span - 1).
    /// Along W the padding is shared between neighbouring rows: a tap reading past the end of a row
    /// lands in the next row's front zeros, which stand for this row's back padding, so a row needs
    /// W + max(front, back) slots (65 rather than 66 for W 64, padding 1), not W + front + back.
    /// The input buffer then carries one row of zeros past its end for the last row's reads.
    var paddedSpatial: [Int] {
        var extent = (0..<3).map { outSpatial[$0] + dilation[$0] * (kernel[$0] - 1) }
        let front = padding[2], back = extent[2] - spatial[2] - front
        extent[2] = max(spatial[2] + max(front, back), outSpatial[2])
        return extent
    }
    var paddedPlane: Int { paddedSpatial.reduce(1, *) }
    /// The flat offset of each kernel tap in the padded layout, in weight order (kT, kH, kW).
    var tapOffsets: [Int] {
        let p = paddedSpatial
        var offsets = [Int]()
        for kt in 0..<kernel[0] { for kh in 0..<kernel[1] { for kw in 0..<kernel[2] {
            offsets.append(kt * dilation[0] * p[1] * p[2] + kh * dilation[1] * p[2] + kw * dilation[2])
        } } }
        return offsets
    }
    /// Pieces per output time step (`span` padded-layout positions): at most ~4096 positions per sgemm
    /// (VANS_CONV_CHUNK overrides), and a piece count that spreads the time steps' pieces evenly over
    /// the workers (9 time steps on 2 workers: 2 pieces each, 18 items).
    func shiftedPieces(span: Int) -> Int {
        let target = max(64, ConvolutionPlan.shiftedChunkOverride ?? 4096), base = max(1, (span + target - 1) / target)
        let steps = outSpatial[0], threads = Parallel.threadCount
        var best = base, bestWaste = Double.infinity
        for pieces in base...(2 * base) {
            let items = steps * pieces, rounds = (items + threads - 1) / threads
            let waste = Double(rounds * threads - items) / Double(rounds * threads)
            if waste < bestWaste - 1e-9 { best = pieces; bestWaste = waste }
        }
        return best
    }
    static let shiftedChunkOverride: Int? = getenv("VANS_CONV_CHUNK").flatMap { Int(String(cString: $0)) }

    /// Weight [O/g, C/g, kvol] of one group as kvol matrices [O/g, C/g] (one per tap).
    private func tapMajor(_ weights: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>) {
        let kvol = kernel.reduce(1, *), (og, cg) = (groupOutChannels, groupChannels)
        for o in 0..<og {
            for c in 0..<cg {
                let source = weights + (o * cg + c) * kvol
                for k in 0..<kvol { target[(k * og + o) * cg + c] = source[k] }
            }
        }
    }

    /// Runs `body(rowRange)` over rows in parallel (copy kernels of the shifted-GEMM lowering).
    private func parallelRows(_ count: Int, _ body: @escaping @Sendable (Range<Int>) -> Void) {
        Parallel.forEach(count: count, minimumChunk: 4) { body($0) }
    }

    private func shiftedForward(input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let output = Tensor(shape: [batch, outChannels] + outSpatial, zeroed: false)
        let x = input.pointer(as: Float.self), w = weight.pointer(as: Float.self), y = output.pointer(as: Float.self)
        let (cg, og, plane) = (groupChannels, groupOutChannels, paddedPlane)
        let padded = Tensor(shape: [cg * plane + paddedSpatial[2]], zeroed: false), result = Tensor(shape: [og * plane], zeroed: false)
        let taps = Tensor(shape: [kernel.reduce(1, *) * og * cg], zeroed: false)
        let p = padded.pointer(as: Float.self), r = result.pointer(as: Float.self), wt = taps.pointer(as: Float.self)
        let offsets = tapOffsets, slab = paddedSpatial[1] * paddedSpatial[2]
        let span = (outSpatial[1] - 1) * paddedSpatial[2] + outSpatial[2]
        let pieces = shiftedPieces(span: span)
        let small = UncheckedSendable(value: spatial.map(Int64.init)), big = UncheckedSendable(value: paddedSpatial.map(Int64.init))
        let front = UncheckedSendable(value: padding.map(Int64.init)), zero = UncheckedSendable(value: [Int64](repeating: 0, count: 3))
        let outShape = UncheckedSendable(value: outSpatial.map(Int64.init))
        for n in 0..<batch {
            for group in 0..<groups {
                let block = SendablePointer(x + (n * channels + group * groupChannels) * inputPlane)
                let target = SendablePointer(p)
                parallelRows(cg) { range in
                    vans_conv_embed(block.base, target.base, small.value, big.value, front.value,
                                    Int64(range.lowerBound), Int64(range.upperBound))
                }
                tapMajor(w + group * og * rows, into: wt)
                (p + cg * plane).initialize(repeating: 0, count: paddedSpatial[2])
                // Work items: pieces of one output time step each, so the padded rows below each H plane
                // are never computed; the engine's workers take contiguous runs of items, each running
                // single-threaded sgemms over its own positions (no BLAS thread hand-offs per call).
                let items = outSpatial[0] * pieces
                let (pw, pp, pr) = (SendablePointer(UnsafePointer(wt)), SendablePointer(UnsafePointer(p)), SendablePointer(r))
                let work: @Sendable (Range<Int>) -> Void = { range in
                    for item in range {
                        let t = item / pieces, piece = item % pieces
                        let lo = t * slab + span * piece / pieces, hi = t * slab + span * (piece + 1) / pieces
                        for (k, offset) in offsets.enumerated() {
                            vans_sgemm(0, 0, Int64(og), Int64(hi - lo), Int64(cg), 1, pw.base + k * og * cg, Int64(cg),
                                       pp.base + lo + offset, Int64(plane), k == 0 ? 0 : 1, pr.base + lo, Int64(plane))
                        }
                    }
                }
                if Parallel.threadCount > 1 && items >= Parallel.threadCount {
                    vans_blas_set_threads(1)
                    Parallel.forEach(count: items, work)
                    vans_blas_set_threads(Int32(Parallel.threadCount))
                } else {
                    work(0..<items)
                }
                let source = SendablePointer(r), out = SendablePointer(y + (n * outChannels + group * og) * positions)
                let b = bias.map { SendablePointer($0.pointer(as: Float.self) + group * og) }
                parallelRows(og) { range in
                    vans_conv_extract(source.base, out.base, big.value, outShape.value, zero.value, b?.base,
                                      Int64(range.lowerBound), Int64(range.upperBound))
                }
            }
        }
        return output
    }

    func forward(input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        BLAS.ensureLoaded()
        if usesShiftedGemm { return shiftedForward(input: input, weight: weight, bias: bias) }
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

    /// Backward of the shifted-GEMM lowering: the output gradient embedded in the padded layout (zero
    /// in the padding columns), then per tap a weight-gradient GEMM against the shifted padded input and
    /// an input-gradient GEMM accumulated into a shifted view of a padded input gradient, cropped at the
    /// end (no unfold, no col2vol). The input-gradient views overlap, so the GEMMs run one after another
    /// on OpenBLAS's threads.
    private func shiftedBackward(outputGrad: Tensor, input: Tensor, weight: Tensor) -> (input: Tensor, weight: Tensor) {
        let inputGrad = Tensor(shape: input.shape, zeroed: false), weightGrad = Tensor(shape: weight.shape)
        let x = input.pointer(as: Float.self), w = weight.pointer(as: Float.self), gy = outputGrad.pointer(as: Float.self)
        let gx = inputGrad.pointer(as: Float.self), gw = weightGrad.pointer(as: Float.self)
        let (cg, og, plane, kvol) = (groupChannels, groupOutChannels, paddedPlane, kernel.reduce(1, *))
        let slack = paddedSpatial[2]
        let padded = Tensor(shape: [cg * plane + slack], zeroed: false), paddedGrad = Tensor(shape: [cg * plane + slack], zeroed: false)
        let upstream = Tensor(shape: [og * plane], zeroed: false)
        let taps = Tensor(shape: [kvol * og * cg], zeroed: false), tapGrads = Tensor(shape: [kvol * og * cg], zeroed: false)
        let p = padded.pointer(as: Float.self), gp = paddedGrad.pointer(as: Float.self), u = upstream.pointer(as: Float.self)
        let wt = taps.pointer(as: Float.self), gwt = tapGrads.pointer(as: Float.self)
        let offsets = tapOffsets, slab = paddedSpatial[1] * paddedSpatial[2]
        let span = (outSpatial[1] - 1) * paddedSpatial[2] + outSpatial[2]
        let chunk = max(64, min(span, ConvolutionPlan.shiftedChunkOverride ?? 8192))
        let small = UncheckedSendable(value: spatial.map(Int64.init)), big = UncheckedSendable(value: paddedSpatial.map(Int64.init))
        let front = UncheckedSendable(value: padding.map(Int64.init)), zero = UncheckedSendable(value: [Int64](repeating: 0, count: 3))
        let outShape = UncheckedSendable(value: outSpatial.map(Int64.init))
        let (pp, pgp, pu) = (SendablePointer(p), SendablePointer(gp), SendablePointer(u))
        for n in 0..<batch {
            for group in 0..<groups {
                let block = SendablePointer(x + (n * channels + group * cg) * inputPlane)
                let gradBlock = SendablePointer(gx + (n * channels + group * cg) * inputPlane)
                let gyBlock = SendablePointer(gy + (n * outChannels + group * og) * positions)
                parallelRows(cg) { range in
                    vans_conv_embed(block.base, pp.base, small.value, big.value, front.value, Int64(range.lowerBound), Int64(range.upperBound))
                    (pgp.base + range.lowerBound * plane).initialize(repeating: 0, count: range.count * plane)
                }
                parallelRows(og) { range in
                    vans_conv_embed(gyBlock.base, pu.base, outShape.value, big.value, zero.value, Int64(range.lowerBound), Int64(range.upperBound))
                }
                (p + cg * plane).initialize(repeating: 0, count: slack)
                (gp + cg * plane).initialize(repeating: 0, count: slack)
                tapMajor(w + group * og * rows, into: wt)
                tapGrads.pointer(as: Float.self).initialize(repeating: 0, count: kvol * og * cg)
                for t in 0..<outSpatial[0] {
                    let first = t * slab
                    for lo in Swift.stride(from: first, to: first + span, by: chunk) {
                        let count = min(chunk, first + span - lo)
                        for (k, offset) in offsets.enumerated() {
                            vans_sgemm(0, 1, Int64(og), Int64(cg), Int64(count), 1, u + lo, Int64(plane),
                                       p + lo + offset, Int64(plane), 1, gwt + k * og * cg, Int64(cg))
                            vans_sgemm(1, 0, Int64(cg), Int64(count), Int64(og), 1, wt + k * og * cg, Int64(cg),
                                       u + lo, Int64(plane), 1, gp + lo + offset, Int64(plane))
                        }
                    }
                }
                parallelRows(cg) { range in
                    vans_conv_extract(pgp.base, gradBlock.base, big.value, small.value, front.value, nil,
                                      Int64(range.lowerBound), Int64(range.upperBound))
                }
                let weightGrads = gw + group * og * rows
                for o in 0..<og {
                    for c in 0..<cg {
                        let target = weightGrads + (o * cg + c) * kvol
                        for k in 0..<kvol { target[k] += gwt[(k * og + o) * cg + c] }  // summed over the batch
                    }
                }
            }
        }
        return (inputGrad, weightGrad)
    }

    func backward(outputGrad: Tensor, input: Tensor, weight: Tensor) -> (input: Tensor, weight: Tensor) {
        BLAS.ensureLoaded()
        if usesShiftedGemm { return shiftedBackward(outputGrad: outputGrad, input: input, weight: weight) }
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
