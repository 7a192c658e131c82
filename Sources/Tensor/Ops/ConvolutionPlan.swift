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

    /// Weight [O/g, C/g, kT, kH, kW] of one group as one matrix [O/g, stack · C/g] per (kT/stack, kH, kW)
    /// tap block, columns ordered (kt within the block, c) as the time-major padded input's rows.
    private func stackedTaps(_ weights: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, stack: Int) {
        let kvol = kernel.reduce(1, *), (og, cg) = (groupOutChannels, groupChannels), area = kernel[1] * kernel[2]
        let depth = stack * cg
        for o in 0..<og {
            for c in 0..<cg {
                let source = weights + (o * cg + c) * kvol
                for kt in 0..<kernel[0] {
                    for a in 0..<area {
                        let block = (kt / stack) * area + a
                        target[(block * og + o) * depth + (kt % stack) * cg + c] = source[kt * area + a]
                    }
                }
            }
        }
    }

    /// Runs `body(rowRange)` over rows in parallel (copy kernels of the shifted-GEMM lowering).
    private func parallelRows(_ count: Int, _ body: @escaping @Sendable (Range<Int>) -> Void) {
        Parallel.forEach(count: count, minimumChunk: 4) { body($0) }
    }

    /// Scratch budget of the shifted-GEMM forward (padded input window + padded-layout result), in floats.
    static let shiftedScratchFloats: Int = getenv("VANS_CONV_SCRATCH_FLOATS").flatMap { Int(String(cString: $0)) } ?? (1 << 24)

    /// Geometry the shifted-GEMM forward and backward share.
    struct ShiftedLayout {
        /// Floats of one padded H·W plane, and the time steps the kernel reaches past an output step.
        let slab: Int, reach: Int
        /// Output time steps per wave: the padded input window [wave + reach, C, Hp, Wp] and a result
        /// [O, wave, Hp, Wp] stay within the scratch budget (64 MB by default; at least one step).
        let wave: Int
        /// The padded input is time-major [Tp, C, Hp, Wp], so with no time dilation the kT taps of one
        /// (kH, kW) stack into one GEMM: rows (kt, c) lie a uniform H·W slab apart (K = stack · C = depth).
        let stack: Int, depth: Int
        /// Offset into the padded window of each stacked tap block, in (kT/stack, kH, kW) order.
        let blockOffsets: [Int]
        /// Padded-layout positions of one output time step, and the pieces they are split into.
        let span: Int, pieces: Int
    }

    var shiftedLayout: ShiftedLayout {
        let (cg, og) = (groupChannels, groupOutChannels)
        let slab = paddedSpatial[1] * paddedSpatial[2], reach = dilation[0] * (kernel[0] - 1)
        let wave = max(1, min(outSpatial[0], (ConvolutionPlan.shiftedScratchFloats - reach * cg * slab) / ((cg + og) * slab)))
        let stack = dilation[0] == 1 ? kernel[0] : 1
        var offsets = [Int]()
        for kb in 0..<(kernel[0] / stack) { for kh in 0..<kernel[1] { for kw in 0..<kernel[2] {
            offsets.append(kb * dilation[0] * cg * slab + kh * dilation[1] * paddedSpatial[2] + kw * dilation[2])
        } } }
        let span = (outSpatial[1] - 1) * paddedSpatial[2] + outSpatial[2]
        return ShiftedLayout(slab: slab, reach: reach, wave: wave, stack: stack, depth: stack * cg,
                             blockOffsets: offsets, span: span, pieces: shiftedPieces(span: span))
    }

    /// Copies output time steps [first, first + steps) worth of one group's input (`block`, [C/g, T, H, W])
    /// into the time-major padded window `window` ([steps + reach, C/g, Hp, Wp], zeros around, plus one
    /// zero row after it that the last taps read).
    private func embedWindow(_ block: SendablePointer<Float>, into window: UnsafeMutablePointer<Float>,
                             first: Int, steps: Int, layout: ShiftedLayout) {
        let cg = groupChannels, length = steps + layout.reach
        let small = UncheckedSendable(value: spatial.map(Int64.init))
        let big = UncheckedSendable(value: [Int64(length), Int64(paddedSpatial[1]), Int64(paddedSpatial[2])])
        let front = UncheckedSendable(value: [Int64(padding[0] - first), Int64(padding[1]), Int64(padding[2])])
        let target = SendablePointer(window)
        parallelRows(cg) { range in
            vans_conv_embed_time_major(block.base, target.base, small.value, big.value, front.value, Int64(cg),
                                       Int64(range.lowerBound), Int64(range.upperBound))
        }
        (window + length * cg * layout.slab).initialize(repeating: 0, count: paddedSpatial[2])
    }

    private func shiftedForward(input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let output = Tensor(shape: [batch, outChannels] + outSpatial, zeroed: false)
        let x = input.pointer(as: Float.self), w = weight.pointer(as: Float.self), y = output.pointer(as: Float.self)
        let (cg, og) = (groupChannels, groupOutChannels)
        let layout = shiftedLayout
        let (slab, reach, wave, stack, depth) = (layout.slab, layout.reach, layout.wave, layout.stack, layout.depth)
        let (offsets, span, pieces) = (layout.blockOffsets, layout.span, layout.pieces)
        let padded = Tensor(shape: [(wave + reach) * cg * slab + paddedSpatial[2]], zeroed: false)
        let result = Tensor(shape: [og * wave * slab], zeroed: false)
        let taps = Tensor(shape: [kernel.reduce(1, *) * og * cg], zeroed: false)
        let p = padded.pointer(as: Float.self), r = result.pointer(as: Float.self), wt = taps.pointer(as: Float.self)
        let zero = UncheckedSendable(value: [Int64](repeating: 0, count: 3))
        let (pw, pp, pr) = (SendablePointer(UnsafePointer(wt)), SendablePointer(p), SendablePointer(r))
        let (plane, outPlane, resultStride) = (slab, outSpatial[1] * outSpatial[2], wave * slab)
        for n in 0..<batch {
            for group in 0..<groups {
                let block = SendablePointer(x + (n * channels + group * groupChannels) * inputPlane)
                stackedTaps(w + group * og * rows, into: wt, stack: stack)
                for first in Swift.stride(from: 0, to: outSpatial[0], by: wave) {
                    let steps = min(wave, outSpatial[0] - first)
                    embedWindow(block, into: p, first: first, steps: steps, layout: layout)
                    // Work items: pieces of one output time step each, so the padded rows below each H plane
                    // are never computed; the engine's workers take contiguous runs of items, each running
                    // single-threaded sgemms over its own positions (no BLAS thread hand-offs per call).
                    let items = steps * pieces
                    let work: @Sendable (Range<Int>) -> Void = { range in
                        for item in range {
                            let t = item / pieces, piece = item % pieces
                            let lo = span * piece / pieces, hi = span * (piece + 1) / pieces
                            let source = pp.base + t * cg * plane + lo, target = pr.base + t * plane + lo
                            for (k, offset) in offsets.enumerated() {
                                vans_sgemm_unlocked(0, 0, Int64(og), Int64(hi - lo), Int64(depth), 1, pw.base + k * og * depth, Int64(depth),
                                           source + offset, Int64(plane), k == 0 ? 0 : 1, target, Int64(resultStride))
                            }
                        }
                    }
                    BLAS.runUnlockedSgemms(count: items, onWorkers: Parallel.threadCount > 1 && items >= Parallel.threadCount, work)
                    let resultShape = UncheckedSendable(value: [Int64(steps), Int64(paddedSpatial[1]), Int64(paddedSpatial[2])])
                    let outShape = UncheckedSendable(value: [Int64(steps), Int64(outSpatial[1]), Int64(outSpatial[2])])
                    let out = SendablePointer(y + (n * outChannels + group * og) * positions + first * outPlane)
                    let b = bias.map { SendablePointer($0.pointer(as: Float.self) + group * og) }
                    let (resultRow, outputRow) = (Int64(resultStride), Int64(positions))
                    parallelRows(og) { range in
                        vans_conv_extract_strided(pr.base, resultRow, out.base, outputRow, resultShape.value, outShape.value,
                                                  zero.value, b?.base, Int64(range.lowerBound), Int64(range.upperBound))
                    }
                }
            }
        }
        return output
    }

    func forward(input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        BLAS.ensureLoaded()
        if usesShiftedGemm { return shiftedForward(input: input, weight: weight, bias: bias) }
        return blockedForward(input: input, weight: weight, bias: bias)
    }

    /// Output positions per work item of `blockedForward`: an unfolded block of about 1 MB (rows × positions), so
    /// it is still in cache when the sgemm reads it, but at least 256 positions, so packing the weight matrix
    /// (once per sgemm) stays small next to the product; pointwise blocks read the input in place.
    /// Small outputs are split so every worker gets an item.
    var blockPositions: Int {
        let target = ConvolutionPlan.blockOverride ?? (isPointwise ? 2048 : max(256, (1 << 18) / max(rows, 1)))
        let perBlock = batch * groups, threads = max(1, Parallel.threadCount)
        let share = perBlock >= threads ? positions : (positions + threads / perBlock - 1) / (threads / perBlock)
        return max(1, min(positions, target, share))
    }
    static let blockOverride: Int? = getenv("VANS_CONV_BLOCK").flatMap { Int(String(cString: $0)) }

    /// The unfold lowering in blocks of output positions: each worker unfolds its own blocks into a private buffer
    /// and multiplies them there with a single-threaded sgemm (then adds the bias), so the unfolded matrix never
    /// makes a round trip through memory and OpenBLAS's own threads never wake (they would spin on the engine's
    /// cores after each call). Work items are (batch, group, block), split evenly over the workers.
    private func blockedForward(input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let output = Tensor(shape: [batch, outChannels] + outSpatial, zeroed: false)
        let (x, w, y) = (SendablePointer(input.pointer(as: Float.self)), SendablePointer(weight.pointer(as: Float.self)),
                         SendablePointer(output.pointer(as: Float.self)))
        let b = bias.map { SendablePointer($0.pointer(as: Float.self)) }
        let (block, rows, og, positions, inputPlane) = (blockPositions, rows, groupOutChannels, positions, inputPlane)
        let (channels, groupChannels, groups, outChannels) = (channels, groupChannels, groups, outChannels)
        let blocks = (positions + block - 1) / block, items = batch * groups * blocks
        let geometry = UncheckedSendable(value: self.geometry), pointwise = isPointwise
        let work: @Sendable (Range<Int>) -> Void = { range in
            let columns = pointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: rows * block)
            defer { columns?.deallocate() }
            var g = geometry.value
            for item in range {
                let n = item / (groups * blocks), group = (item / blocks) % groups, start = (item % blocks) * block
                let count = min(block, positions - start)
                let source = x.base + (n * channels + group * groupChannels) * inputPlane
                var right = UnsafePointer(source + start), leading = inputPlane
                if let columns {
                    vans_vol2col(&g, source, columns, Int64(start), Int64(count), 0, Int64(rows))
                    right = UnsafePointer(columns); leading = count
                }
                let out = y.base + (n * outChannels + group * og) * positions + start
                vans_sgemm_unlocked(0, 0, Int64(og), Int64(count), Int64(rows), 1, w.base + group * og * rows, Int64(rows),
                                    right, Int64(leading), 0, out, Int64(positions))
                if let b {
                    for o in 0..<og {
                        let value = b.base[group * og + o], line = out + o * positions
                        for i in 0..<count { line[i] += value }
                    }
                }
            }
        }
        // Always OpenBLAS single-threaded, even for a lone item: a multi-threaded call wakes its threads, which
        // then spin for ~0.1 s on the cores the engine's workers need.
        BLAS.runUnlockedSgemms(count: items, onWorkers: Parallel.threadCount > 1, work)
        withExtendedLifetime((input, weight, bias)) {}
        return output
    }

    /// The input gradient of a stride-1 convolution is itself a stride-1 convolution of the output
    /// gradient (channels swapped, taps flipped, padding d·(k-1) - front before and d·(k-1) - back after);
    /// nil when that padding would be negative.
    var transposedPlan: ConvolutionPlan? {
        var front = [Int]()
        for axis in 0..<3 {
            let reach = dilation[axis] * (kernel[axis] - 1)
            let back = outSpatial[axis] + reach - spatial[axis] - padding[axis]
            guard padding[axis] <= reach, back <= reach else { return nil }
            front.append(reach - padding[axis])
        }
        return ConvolutionPlan(batch: batch, channels: outChannels, outChannels: channels, groups: groups, spatial: outSpatial,
                               outSpatial: spatial, kernel: kernel, stride: stride, padding: front, dilation: dilation)
    }

    /// Weight [O, C/g, kvol] as the transposed convolution's [C, O/g, kvol], taps reversed.
    private func transposedWeight(_ weight: Tensor) -> Tensor {
        let (cg, og, kvol) = (groupChannels, groupOutChannels, kernel.reduce(1, *))
        let result = Tensor(shape: [channels, og] + kernel, zeroed: false)
        let source = weight.pointer(as: Float.self), target = result.pointer(as: Float.self)
        for group in 0..<groups {
            for o in 0..<og {
                for c in 0..<cg {
                    let from = source + ((group * og + o) * cg + c) * kvol, to = target + ((group * cg + c) * og + o) * kvol
                    for k in 0..<kvol { to[kvol - 1 - k] = from[k] }
                }
            }
        }
        return result
    }

    /// Backward as two parallel passes: the input gradient as the transposed plan's shifted-GEMM forward,
    /// and the weight gradient as sgemms of the padded-layout output gradient against the shifted
    /// time-major padded input (kT taps stacked as in the forward), in waves of output time steps within
    /// the scratch budget, the workers taking pieces of positions into private accumulators (summed at the end).
    private func shiftedBackwardTransposed(outputGrad: Tensor, input: Tensor, weight: Tensor,
                                           transposed: ConvolutionPlan) -> (input: Tensor, weight: Tensor) {
        let inputGrad = transposed.shiftedForward(input: outputGrad, weight: transposedWeight(weight), bias: nil)
        let weightGrad = Tensor(shape: weight.shape)
        let x = input.pointer(as: Float.self), gy = outputGrad.pointer(as: Float.self), gw = weightGrad.pointer(as: Float.self)
        let (cg, og, kvol) = (groupChannels, groupOutChannels, kernel.reduce(1, *))
        let layout = shiftedLayout
        let (slab, reach, wave, stack, depth) = (layout.slab, layout.reach, layout.wave, layout.stack, layout.depth)
        let (offsets, span, pieces) = (layout.blockOffsets, layout.span, layout.pieces)
        let threads = max(1, Parallel.threadCount), tapSize = kvol * og * cg, area = kernel[1] * kernel[2]
        let padded = Tensor(shape: [(wave + reach) * cg * slab + paddedSpatial[2]], zeroed: false)
        let upstream = Tensor(shape: [og * wave * slab], zeroed: false)
        let accumulators = Tensor(shape: [threads * tapSize], zeroed: false)
        let p = padded.pointer(as: Float.self), acc = accumulators.pointer(as: Float.self)
        let zero = UncheckedSendable(value: [Int64](repeating: 0, count: 3))
        let (pp, pu, pacc) = (SendablePointer(p), SendablePointer(upstream.pointer(as: Float.self)), SendablePointer(acc))
        let (plane, outPlane, upstreamStride) = (slab, outSpatial[1] * outSpatial[2], wave * slab)
        for n in 0..<batch {
            for group in 0..<groups {
                let block = SendablePointer(x + (n * channels + group * cg) * inputPlane)
                acc.initialize(repeating: 0, count: threads * tapSize)
                for first in Swift.stride(from: 0, to: outSpatial[0], by: wave) {
                    let steps = min(wave, outSpatial[0] - first)
                    embedWindow(block, into: p, first: first, steps: steps, layout: layout)
                    let gyWave = SendablePointer(gy + (n * outChannels + group * og) * positions + first * outPlane)
                    let gyShape = UncheckedSendable(value: [Int64(steps), Int64(outSpatial[1]), Int64(outSpatial[2])])
                    let gyBig = UncheckedSendable(value: [Int64(steps), Int64(paddedSpatial[1]), Int64(paddedSpatial[2])])
                    let (gyRow, upstreamRow) = (Int64(positions), Int64(upstreamStride))
                    parallelRows(og) { range in
                        vans_conv_embed_strided(gyWave.base, gyRow, pu.base, upstreamRow, gyShape.value, gyBig.value, zero.value,
                                                Int64(range.lowerBound), Int64(range.upperBound))
                    }
                    // Worker j takes items [items·j/threads, items·(j+1)/threads) into accumulator j.
                    let items = steps * pieces
                    let work: @Sendable (Range<Int>) -> Void = { workers in
                        for j in workers {
                            let mine = pacc.base + j * tapSize
                            for item in (items * j / threads)..<(items * (j + 1) / threads) {
                                let t = item / pieces, piece = item % pieces
                                let lo = span * piece / pieces, hi = span * (piece + 1) / pieces
                                let source = pp.base + t * cg * plane + lo, gradient = pu.base + t * plane + lo
                                for (k, offset) in offsets.enumerated() {
                                    vans_sgemm_unlocked(0, 1, Int64(og), Int64(depth), Int64(hi - lo), 1, gradient, Int64(upstreamStride),
                                               source + offset, Int64(plane), 1, mine + k * og * depth, Int64(depth))
                                }
                            }
                        }
                    }
                    BLAS.runUnlockedSgemms(count: threads, onWorkers: threads > 1, work)
                }
                let weightGrads = gw + group * og * rows
                for o in 0..<og {
                    for c in 0..<cg {
                        let target = weightGrads + (o * cg + c) * kvol
                        for kt in 0..<kernel[0] {
                            for a in 0..<area {
                                let index = (((kt / stack) * area + a) * og + o) * depth + (kt % stack) * cg + c
                                var sum: Float = 0
                                for j in 0..<threads { sum += acc[j * tapSize + index] }
                                target[kt * area + a] += sum  // summed over the batch
                            }
                        }
                    }
                }
            }
        }
        return (inputGrad, weightGrad)
    }

    func backward(outputGrad: Tensor, input: Tensor, weight: Tensor) -> (input: Tensor, weight: Tensor) {
        BLAS.ensureLoaded()
        // Padding wider than the kernel's reach (no transposed plan) takes the vol2col path.
        if usesShiftedGemm, let transposed = transposedPlan {
            return shiftedBackwardTransposed(outputGrad: outputGrad, input: input, weight: weight, transposed: transposed)
        }
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
