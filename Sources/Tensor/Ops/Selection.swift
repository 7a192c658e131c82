import CKernels

// torch.topk and torch.cumsum.
extension Tensor {
    /// The `k` largest (or smallest) entries along `axis` and their int64 indices (torch.topk). Selection
    /// keeps a heap of k entries per row, O(n log k), so k ≪ n never sorts the row. NaN ranks above every
    /// number; among equal values the lower index comes first (torch leaves that order unspecified).
    /// `sorted: false` returns the chosen entries in increasing index order. Values are float32 whatever
    /// the input dtype; the gradient flows to the chosen entries.
    public func topK(k: Int, axis: Int = -1, largest: Bool = true, sorted: Bool = true) -> (values: Tensor, indices: Tensor) {
        let axis = rank == 0 ? 0 : normalizedAxis(axis)
        let length = rank == 0 ? 1 : shape[axis]
        precondition(k >= 0 && k <= length, "topK: k = \(k) is outside 0...\(length)")
        // The kernel works on contiguous rows, so the axis is moved last (a copy only when it is not).
        let moved = rank == 0 ? asFloat32.reshaped([1]) : asFloat32.transposed(axis, -1)
        let input = moved.contiguous()
        let rows = length == 0 ? 0 : input.elementCount / length
        var outputShape = input.shape
        outputShape[outputShape.count - 1] = k
        let values = Tensor(shape: outputShape, zeroed: false), indices = Tensor(shape: outputShape, dtype: .int64, zeroed: false)
        let px = SendablePointer(input.pointer(as: Float.self)), pv = SendablePointer(values.pointer(as: Float.self))
        let pi = SendablePointer(indices.pointer(as: Int64.self))
        Parallel.forEach(count: k == 0 ? 0 : rows, minimumChunk: Swift.max(1, 16_384 / Swift.max(1, length))) { range in
            vans_top_k_rows_f32(px.base, Int64(length), Int64(k), largest ? 1 : 0, sorted ? 1 : 0, pv.base, pi.base,
                                Int64(range.lowerBound), Int64(range.upperBound))
        }
        let recorded = Autograd.record(values, operation: "top_k", inputs: [input]) { [shape = input.shape] gradient in
            [Tensor.zeros(shape).scatterAdding(axis: -1, indices: indices, source: gradient)]
        }
        if rank == 0 { return (recorded.reshaped([]), indices.reshaped([])) }
        return (recorded.transposed(axis, -1), indices.transposed(axis, -1).contiguous())
    }

    /// Running sums along `axis` (torch.cumsum). Float inputs accumulate in double, as torch's CPU kernel
    /// does, and give float32 with the reversed running sum of the upstream gradient as gradient; integer
    /// and bool inputs give exact int64 sums (as torch; e.g. position ids from an attention mask).
    public func cumulativeSum(axis: Int) -> Tensor {
        if rank == 0 { return reshaped([1]).cumulativeSum(axis: 0).reshaped([]) }
        let axis = normalizedAxis(axis)
        if !dtype.isFloatingPoint { return integerRunningSum(axis: axis) }
        let input = asFloat32.contiguous()
        let output = Tensor.runningSum(input, axis: axis, reverse: false)
        return Autograd.record(output, operation: "cumsum", inputs: [input]) { gradient in
            [Tensor.runningSum(gradient.asFloat32.contiguous(), axis: axis, reverse: true)]
        }
    }

    /// Exact int64 running sums along `axis`.
    private func integerRunningSum(axis: Int) -> Tensor {
        var values = int64Scalars
        let length = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        for start in stride(from: 0, to: values.count, by: Swift.max(1, length * inner)) {
            for position in 1..<Swift.max(1, length) {
                for column in 0..<inner {
                    values[start + position * inner + column] &+= values[start + (position - 1) * inner + column]
                }
            }
        }
        return Tensor(int64: values, shape: shape)
    }

    /// Running sums of a contiguous float32 tensor along `axis` (from the end when `reverse`).
    private static func runningSum(_ input: Tensor, axis: Int, reverse: Bool) -> Tensor {
        let output = Tensor(shape: input.shape, zeroed: false)
        let outer = input.shape[..<axis].reduce(1, *), length = input.shape[axis], inner = input.shape[(axis + 1)...].reduce(1, *)
        let px = SendablePointer(input.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        Parallel.forEach(count: outer, minimumChunk: Swift.max(1, 16_384 / Swift.max(1, length * inner))) { range in
            vans_cumulative_sum_f32(px.base, py.base, Int64(length), Int64(inner), reverse ? 1 : 0,
                                    Int64(range.lowerBound), Int64(range.upperBound))
        }
        return output
    }
}
