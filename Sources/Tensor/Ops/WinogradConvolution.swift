import CKernels

// Winograd F(2×2×2, 3×3×3) for stride-1 3×3×3 convolutions, forward only (inference: I3D's FVD features). Each 2×2×2
// output tile needs 64 multiplies per channel pair instead of 216 (3.4× fewer), done as 64 GEMMs [O, C] × [C, tiles].
// The sums are regrouped, so results differ from the direct convolution in float32 rounding (about 1e-7 relative on
// I3D's layers); the transforms are in CKernels/winograd.c.

extension Tensor {
    /// The Winograd filter transform of a 3×3×3 convolution weight [O, C, 3, 3, 3]: [64, O, C], one [O, C] matrix per
    /// transformed point. Compute it once per weight and pass it to ``conv3d(winogradFilter:bias:padding:)``.
    public func winogradFilter3d() -> Tensor {
        precondition(rank == 5 && Array(shape[2...]) == [3, 3, 3], "winogradFilter3d expects a weight [O, C, 3, 3, 3], got \(shape)")
        let (outChannels, inChannels) = (shape[0], shape[1])
        let weight = asFloat32.contiguous()
        let result = Tensor(shape: [64, outChannels, inChannels], zeroed: false)
        let source = SendablePointer(weight.pointer(as: Float.self)), target = SendablePointer(result.pointer(as: Float.self))
        Parallel.forEach(count: outChannels, minimumChunk: 8) { range in
            vans_winograd3d_filter(source.base, Int64(outChannels), Int64(inChannels), target.base,
                                   Int64(range.lowerBound), Int64(range.upperBound))
        }
        withExtendedLifetime(weight) {}
        return result
    }

    /// F.conv3d(x, weight, bias, stride=1, padding) for a 3×3×3 kernel (no dilation, one group), computed by Winograd
    /// F(2×2×2, 3×3×3) from `winogradFilter` (the weight's ``winogradFilter3d()``). Forward only: not recorded for
    /// autodiff. Input [N, C, T, H, W] → [N, O, T + pT − 2, H + pH − 2, W + pW − 2].
    public func conv3d(winogradFilter filter: Tensor, bias: Tensor? = nil, padding: [ConvolutionPadding]) -> Tensor {
        winogradConvolution(filter: filter, bias: bias, padding: padding, scratchFloats: ConvolutionPlan.shiftedScratchFloats)
    }

    /// `conv3d(winogradFilter:)` with the padded-input window bounded by `scratchFloats` (tests use a small one).
    func winogradConvolution(filter: Tensor, bias: Tensor?, padding: [ConvolutionPadding], scratchFloats: Int) -> Tensor {
        precondition(rank == 5 && filter.rank == 3 && filter.shape[0] == 64 && filter.shape[2] == shape[1] && padding.count == 3,
                     "conv3d(winogradFilter:): input \(shape) and transformed filter \(filter.shape) do not agree")
        let (batch, channels, outChannels) = (shape[0], shape[1], filter.shape[1])
        if let bias { precondition(bias.shape == [outChannels], "conv3d(winogradFilter:) bias \(bias.shape) must be [\(outChannels)]") }
        let spatial = Array(shape[2...])
        let outSpatial = (0..<3).map { spatial[$0] + padding[$0].front + padding[$0].back - 2 }
        precondition(outSpatial.allSatisfy { $0 > 0 } && padding.allSatisfy { $0.front >= 0 && $0.back >= 0 },
                     "conv3d(winogradFilter:): the padded input \(spatial) with \(padding) is smaller than the kernel")
        let tiles = outSpatial.map { ($0 + 1) / 2 }
        let (inputPlane, outputPlane) = (spatial.reduce(1, *), outSpatial.reduce(1, *))
        // Waves of tile rows along T: each pads only its own input window ([C, 2·rows + 2, Hp, Wp]), within the
        // convolutions' scratch budget (64 MB by default), so a long video never gets a whole padded copy.
        let (paddedHeight, paddedWidth) = (2 * tiles[1] + 2, 2 * tiles[2] + 2)
        let slab = channels * paddedHeight * paddedWidth
        let waveRows = Swift.max(1, Swift.min(tiles[0], (scratchFloats / Swift.max(1, slab) - 2) / 2))

        BLAS.ensureLoaded()
        let x = asFloat32.contiguous(), u = filter.asFloat32.contiguous(), b = bias?.asFloat32.contiguous()
        let output = Tensor(shape: [batch, outChannels] + outSpatial, zeroed: false)
        let padded = Tensor(shape: [(2 * waveRows + 2) * slab], zeroed: false)
        let (px, pu, py, pp) = (SendablePointer(x.pointer(as: Float.self)), SendablePointer(u.pointer(as: Float.self)),
                                SendablePointer(output.pointer(as: Float.self)), SendablePointer(padded.pointer(as: Float.self)))
        let pb = b.map { SendablePointer($0.pointer(as: Float.self)) }
        for n in 0..<batch {
            for firstRow in Swift.stride(from: 0, to: tiles[0], by: waveRows) {
                let rows = Swift.min(waveRows, tiles[0] - firstRow)
                let waveTiles = [rows, tiles[1], tiles[2]], tileCount = waveTiles.reduce(1, *)
                let block = Self.winogradBlock(tiles: tileCount, channels: channels, outChannels: outChannels)
                let blocks = (tileCount + block - 1) / block
                // Window rows 0… are padded rows 2·firstRow…: the input's time front shifts back by 2·firstRow.
                let geometry = UncheckedSendable(value: (
                    small: spatial.map(Int64.init), big: [Int64(2 * rows + 2), Int64(paddedHeight), Int64(paddedWidth)],
                    front: [Int64(padding[0].front - 2 * firstRow), Int64(padding[1].front), Int64(padding[2].front)],
                    tiles: waveTiles.map(Int64.init),
                    out: [Int64(Swift.min(2 * rows, outSpatial[0] - 2 * firstRow)), Int64(outSpatial[1]), Int64(outSpatial[2])]))
                let source = SendablePointer(px.base + n * channels * inputPlane)
                Parallel.forEach(count: channels, minimumChunk: 4) { range in
                    vans_conv_embed(source.base, pp.base, geometry.value.small, geometry.value.big, geometry.value.front,
                                    Int64(range.lowerBound), Int64(range.upperBound))
                }
                let target = SendablePointer(py.base + n * outChannels * outputPlane + 2 * firstRow * outSpatial[1] * outSpatial[2])
                // Each worker transforms its blocks of tiles, multiplies them (64 single-threaded sgemms) and
                // transforms the products back, in private buffers that stay in cache.
                BLAS.runUnlockedSgemms(count: blocks, onWorkers: Parallel.threadCount > 1) { range in
                    let transformedInput = UnsafeMutablePointer<Float>.allocate(capacity: 64 * channels * block)
                    let products = UnsafeMutablePointer<Float>.allocate(capacity: 64 * outChannels * block)
                    defer { transformedInput.deallocate(); products.deallocate() }
                    let g = geometry.value
                    for item in range {
                        let start = item * block, count = Swift.min(block, tileCount - start), columns = (count + 7) / 8 * 8
                        vans_winograd3d_input(pp.base, Int64(channels), g.big, g.tiles, Int64(start), Int64(count), Int64(block),
                                              transformedInput)
                        for point in 0..<64 {
                            // V and M hold each channel's 64 points together ([C, 64, block], [O, 64, block]), so the
                            // transforms read and write contiguous vectors; point ξ's matrices are strided views.
                            vans_sgemm_unlocked(0, 0, Int64(outChannels), Int64(columns), Int64(channels), 1,
                                                pu.base + point * outChannels * channels, Int64(channels),
                                                transformedInput + point * block, Int64(64 * block), 0,
                                                products + point * block, Int64(64 * block))
                        }
                        vans_winograd3d_output(products, Int64(outChannels), Int64(block), g.tiles, Int64(start), Int64(count),
                                               pb?.base, g.out, target.base, Int64(outputPlane))
                    }
                }
            }
        }
        withExtendedLifetime((x, u, b, padded)) {}
        return output
    }

    /// Tiles per work item: the private buffers (64 · (C + O) · block floats) near 8 MB, a multiple of 8 (one vector
    /// lane per tile in the transforms), and at least one item per worker.
    static func winogradBlock(tiles: Int, channels: Int, outChannels: Int) -> Int {
        let threads = Swift.max(1, Parallel.threadCount)
        let budget = Swift.max(8, Swift.min(256, (1 << 15) / Swift.max(1, channels + outChannels)))
        let share = (tiles + threads - 1) / threads
        return Swift.max(8, (Swift.min(budget, share) + 7) / 8 * 8)
    }
}
