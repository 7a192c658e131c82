import CKernels

// Indexing: index-select, embedding, gather, scatter-add. Index values are checked before any
// kernel reads memory: an out-of-range index traps with the op and value named (programmer error);
// use `validatedIndices` to turn data-derived indices into a thrown TensorError instead.
extension Tensor {
    /// Throws `TensorError.indexOutOfRange` if any index is outside `0..<axisSize` (negative
    /// indices count from the end); returns the indices as non-negative int64 values.
    public static func validatedIndices(_ indices: Tensor, axisSize: Int, operation: String) throws -> Tensor {
        let values = indices.int64Scalars
        var resolved = [Int64](repeating: 0, count: values.count)
        for (position, value) in values.enumerated() {
            let index = value < 0 ? value + Int64(axisSize) : value
            guard index >= 0 && index < Int64(axisSize) else {
                throw TensorError.indexOutOfRange(operation: operation, index: Int(value), axisSize: axisSize)
            }
            resolved[position] = index
        }
        return Tensor(int64: resolved, shape: indices.shape)
    }

    fileprivate static func checkedIndices(_ indices: Tensor, axisSize: Int, operation: String) -> Tensor {
        do { return try validatedIndices(indices, axisSize: axisSize, operation: operation) } catch {
            preconditionFailure("\(error)")
        }
    }

    /// Shape split around `axis`: (outer, size, inner).
    fileprivate func around(_ axis: Int) -> (outer: Int, size: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Rows of `axis` picked by a 1-D index tensor (torch.index_select).
    public func indexSelected(axis: Int, indices: Tensor) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(indices.rank <= 1, "index_select indices must be 1-D, got \(indices.shape)")
        let index = Tensor.checkedIndices(indices, axisSize: shape[axis], operation: "index_select")
        let input = asFloat32.contiguous()
        let (outer, size, inner) = around(axis)
        var outputShape = shape
        outputShape[axis] = index.elementCount
        let output = Tensor(shape: outputShape, zeroed: false)
        let px = SendablePointer(input.pointer(as: Float.self)), po = SendablePointer(output.pointer(as: Float.self))
        let pi = SendablePointer(index.pointer(as: Int64.self)), count = Int64(index.elementCount)
        Parallel.forEach(count: outer, minimumChunk: Swift.max(1, 16384 / Swift.max(1, index.elementCount * inner))) { range in
            vans_index_select_f32(px.base, Int64(size), Int64(inner), pi.base, count, po.base,
                                  Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: "index_select", inputs: [input]) { [shape] gradient in
            [Tensor.zeros(shape).indexAdding(axis: axis, indices: index, source: gradient)]
        }
    }

    /// This tensor plus `source` added at rows `indices` of `axis` (torch.index_add; repeats accumulate).
    public func indexAdding(axis: Int, indices: Tensor, source: Tensor) -> Tensor {
        let axis = normalizedAxis(axis)
        let index = Tensor.checkedIndices(indices, axisSize: shape[axis], operation: "index_add")
        var expected = shape
        expected[axis] = index.elementCount
        precondition(source.shape == expected, "index_add source \(source.shape), expected \(expected)")
        let base = asFloat32, added = source.asFloat32.contiguous()
        let output = base.detached().materialized(as: .float32)
        let (outer, size, inner) = around(axis)
        let po = SendablePointer(output.pointer(as: Float.self)), ps = SendablePointer(added.pointer(as: Float.self))
        let pi = SendablePointer(index.pointer(as: Int64.self)), count = Int64(index.elementCount)
        // Chunks own whole outer slices, so no two threads add into the same row.
        Parallel.forEach(count: outer, minimumChunk: Swift.max(1, 16384 / Swift.max(1, index.elementCount * inner))) { range in
            vans_index_add_f32(po.base, Int64(size), Int64(inner), pi.base, count, ps.base,
                               Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: "index_add", inputs: [base, added]) { gradient in
            [gradient, gradient.indexSelected(axis: axis, indices: index)]
        }
    }

    /// Rows of this [vocabulary, dimension] table for integer `ids` of any shape: output ids.shape + [dimension].
    public func embedding(_ ids: Tensor) -> Tensor {
        precondition(rank == 2, "embedding table must be 2-D, got \(shape)")
        if Tensor.readsInStoredDType(self) { return lowPrecisionRows(ids.reshaped([-1])).reshaped(ids.shape + [shape[1]]) }
        return indexSelected(axis: 0, indices: ids.reshaped([-1])).reshaped(ids.shape + [shape[1]])
    }

    /// Rows `ids` of a frozen, contiguous bf16/f16 table widened to float32: only the rows looked up
    /// are converted (a 151936×2048 vocabulary is never widened whole for one token).
    private func lowPrecisionRows(_ ids: Tensor) -> Tensor {
        let index = Tensor.checkedIndices(ids, axisSize: shape[0], operation: "embedding")
        let width = shape[1], count = index.elementCount
        let output = Tensor(shape: [count, width], zeroed: false)
        let table = SendablePointer(pointer(as: UInt16.self)), rows = SendablePointer(index.pointer(as: Int64.self))
        let target = SendablePointer(output.pointer(as: Float.self)), dtype = dtype
        Parallel.forEach(count: count, minimumChunk: Swift.max(1, 16384 / Swift.max(width, 1))) { range in
            for position in range {
                Tensor.widen(table.base + Int(rows.base[position]) * width, dtype: dtype,
                             into: target.base + position * width, count: width)
            }
        }
        return output
    }

    /// torch.gather: out[…, j, …] = self[…, indices[…, j, …], …] along `axis`; indices have this
    /// tensor's shape except along `axis`.
    public func gathered(axis: Int, indices: Tensor) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(indices.rank == rank && indices.shape.indices.allSatisfy { $0 == axis || indices.shape[$0] == shape[$0] },
                     "gather indices \(indices.shape) do not match \(shape) outside axis \(axis)")
        let index = Tensor.checkedIndices(indices, axisSize: shape[axis], operation: "gather")
        let input = asFloat32.contiguous()
        let (outer, size, inner) = around(axis)
        let output = Tensor(shape: index.shape, zeroed: false)
        let px = SendablePointer(input.pointer(as: Float.self)), po = SendablePointer(output.pointer(as: Float.self))
        let pi = SendablePointer(index.pointer(as: Int64.self)), count = Int64(index.shape[axis])
        Parallel.forEach(count: outer, minimumChunk: Swift.max(1, 16384 / Swift.max(1, index.shape[axis] * inner))) { range in
            vans_gather_f32(px.base, Int64(size), Int64(inner), pi.base, count, po.base,
                            Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: "gather", inputs: [input]) { [shape] gradient in
            [Tensor.zeros(shape).scatterAdding(axis: axis, indices: index, source: gradient)]
        }
    }

    /// torch.scatter_add: this tensor plus `source` added at `indices` along `axis` (same shapes outside `axis`).
    public func scatterAdding(axis: Int, indices: Tensor, source: Tensor) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(indices.shape == source.shape && indices.rank == rank
                     && indices.shape.indices.allSatisfy { $0 == axis || indices.shape[$0] == shape[$0] },
                     "scatter_add indices \(indices.shape) / source \(source.shape) do not match \(shape)")
        let index = Tensor.checkedIndices(indices, axisSize: shape[axis], operation: "scatter_add")
        let base = asFloat32, added = source.asFloat32.contiguous()
        let output = base.detached().materialized(as: .float32)
        let (outer, size, inner) = around(axis)
        let po = SendablePointer(output.pointer(as: Float.self)), ps = SendablePointer(added.pointer(as: Float.self))
        let pi = SendablePointer(index.pointer(as: Int64.self)), count = Int64(index.shape[axis])
        Parallel.forEach(count: outer, minimumChunk: Swift.max(1, 16384 / Swift.max(1, index.shape[axis] * inner))) { range in
            vans_scatter_add_f32(po.base, Int64(size), Int64(inner), pi.base, count, ps.base,
                                 Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: "scatter_add", inputs: [base, added]) { gradient in
            [gradient, gradient.gathered(axis: axis, indices: index)]
        }
    }
}
