import CKernels

extension Tensor {
    /// Applies rotary position embeddings from `table` to a [B, L, H, D] tensor (positionAxis 1),
    /// a [B, H, L, D] tensor (positionAxis 2) or a [L, H, D] tensor (positionAxis 0).
    ///
    /// The table has L positions shared by every batch, or B·L positions (per-batch positions,
    /// e.g. M-RoPE with left padding). Pairs follow `table.layout` (rotate_half or interleaved).
    /// Computed in float32 (the reference's fp32 island).
    public func applyingRotaryEmbedding(_ table: RotaryTable, positionAxis: Int) -> Tensor {
        var view = asFloat32
        if rank == 3 {
            precondition(positionAxis == 0, "a rank-3 rotary input is [L, H, D] (positionAxis 0)")
            view = view.unsqueezed(0)
        } else {
            precondition(rank == 4 && (positionAxis == 1 || positionAxis == 2), "rotary input must be [B, L, H, D] or [B, H, L, D]")
        }
        // Kernel order is (batch, position, head, dim).
        let ordered = (rank == 4 && positionAxis == 2) ? view.permuted([0, 2, 1, 3]) : view
        let x = ordered.strides.last == 1 ? ordered : ordered.contiguous()
        let (batch, positions, dim) = (x.shape[0], x.shape[1], x.shape[3])
        precondition(dim == 2 * table.pairs, "rotary table has \(table.pairs) pairs, head dimension is \(dim)")
        precondition(table.positions == positions || table.positions == batch * positions,
                     "rotary table has \(table.positions) positions for \(batch) × \(positions)")
        let tableBatchStride = table.positions == positions ? 0 : positions * table.pairs
        let outputOrdered = Tensor(shape: x.shape, zeroed: false)
        Tensor.rotate(x, into: outputOrdered, table: table, tableBatchStride: tableBatchStride, inverse: false)
        var output = (rank == 4 && positionAxis == 2) ? outputOrdered.permuted([0, 2, 1, 3]) : outputOrdered
        if rank == 3 { output = output.squeezed(0) }
        let shape = self.shape
        return Autograd.record(output, operation: "rotary_embedding", inputs: [self.asFloat32]) { gradient in
            var g = rank == 3 ? gradient.unsqueezed(0) : gradient
            if rank == 4 && positionAxis == 2 { g = g.permuted([0, 2, 1, 3]) }
            if g.strides.last != 1 { g = g.contiguous() }
            let result = Tensor(shape: g.shape, zeroed: false)
            Tensor.rotate(g, into: result, table: table, tableBatchStride: tableBatchStride, inverse: true)
            var back = (rank == 4 && positionAxis == 2) ? result.permuted([0, 2, 1, 3]) : result
            if rank == 3 { back = back.squeezed(0) }
            return [back.reshaped(shape)]
        }
    }

    /// Runs the rotary kernel over x [B, L, H, D] (last axis contiguous) into a contiguous output.
    private static func rotate(_ x: Tensor, into output: Tensor, table: RotaryTable, tableBatchStride: Int, inverse: Bool) {
        let (batch, positions, heads, dim) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        guard x.elementCount > 0 else { return }
        let px = SendablePointer(x.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        let xStrides = UncheckedSendable(value: x.strides.prefix(3).map(Int64.init))
        let yStrides = UncheckedSendable(value: output.strides.prefix(3).map(Int64.init))
        let layout = table.layout == .rotateHalf ? VANS_ROTARY_HALF : VANS_ROTARY_INTERLEAVED
        table.cosine.withUnsafeBufferPointer { cosine in
            table.sine.withUnsafeBufferPointer { sine in
                let pc = SendablePointer(cosine.baseAddress!), ps = SendablePointer(sine.baseAddress!)
                Parallel.forEach(count: batch * positions, minimumChunk: 16) { range in
                    vans_rotary_apply(px.base, xStrides.value, py.base, yStrides.value, pc.base, ps.base, Int64(tableBatchStride),
                                      Int64(positions), Int64(heads), Int64(dim), layout, inverse ? 1 : 0,
                                      Int64(range.lowerBound), Int64(range.upperBound))
                }
            }
        }
    }
}
