// Joining and splitting: concat, stack, split, chunk, repeat. Each is differentiable.
extension Tensor {
    /// Joins equally shaped tensors along a new axis (torch.stack): `axis` counts over the result's
    /// rank, so it may be −(rank + 1)…rank. Float inputs give float32; all-integer inputs keep their dtype.
    public static func stacked(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack needs at least one tensor")
        let shape = tensors[0].shape
        for tensor in tensors {
            precondition(tensor.shape == shape, "stack: shape \(tensor.shape) differs from \(shape)")
        }
        let resultRank = shape.count + 1
        precondition(axis >= -resultRank && axis < resultRank, "stack axis \(axis) is out of range for rank \(resultRank)")
        let newAxis = axis < 0 ? axis + resultRank : axis
        return concatenate(tensors.map { $0.unsqueezed(newAxis) }, axis: newAxis)
    }

    /// Joins tensors along `axis` (shapes must agree elsewhere). Float inputs give float32.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate needs at least one tensor")
        let first = tensors[0]
        let axis = first.normalizedAxis(axis)
        let dtype = tensors.allSatisfy { $0.dtype == first.dtype } && !first.dtype.isFloatingPoint ? first.dtype : .float32
        let parts = tensors.map { $0.converted(to: dtype) }
        for part in parts {
            precondition(part.rank == first.rank && part.shape.indices.allSatisfy { $0 == axis || part.shape[$0] == first.shape[$0] },
                         "concatenate: shape \(part.shape) does not match \(first.shape) outside axis \(axis)")
        }
        var outputShape = first.shape
        outputShape[axis] = parts.map { $0.shape[axis] }.reduce(0, +)
        let output = Tensor(shape: outputShape, dtype: dtype, zeroed: false)
        var start = 0
        var sizes: [Int] = []
        for part in parts {
            let size = part.shape[axis]
            let destination = Tensor(storage: output.storage, shape: part.shape, strides: output.strides,
                                     offset: start * output.strides[axis], dtype: dtype)
            part.copy(into: destination)
            sizes.append(size)
            start += size
        }
        guard dtype == .float32 else { return output }
        return Autograd.record(output, operation: "concatenate", inputs: parts) { gradient in
            var position = 0
            return sizes.map { size in
                defer { position += size }
                return gradient.narrowed(axis: axis, start: position, length: size)
            }
        }
    }

    /// Pieces of the given sizes along `axis` (views).
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let axis = normalizedAxis(axis)
        precondition(sizes.reduce(0, +) == shape[axis], "split sizes \(sizes) do not add up to \(shape[axis])")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return narrowed(axis: axis, start: start, length: size)
        }
    }

    /// Pieces of `size` elements along `axis` (the last may be smaller), as torch.split(int).
    public func split(size: Int, axis: Int) -> [Tensor] {
        precondition(size > 0, "split size must be positive")
        let total = shape[normalizedAxis(axis)]
        return split(sizes: stride(from: 0, to: total, by: size).map { Swift.min(size, total - $0) }, axis: axis)
    }

    /// `count` nearly equal pieces along `axis`, as torch.chunk.
    public func chunked(_ count: Int, axis: Int) -> [Tensor] {
        precondition(count > 0, "chunk count must be positive")
        let total = shape[normalizedAxis(axis)]
        return split(size: Swift.max(1, (total + count - 1) / count), axis: axis)
    }

    /// Tiles the tensor `counts[i]` times along axis i (torch.Tensor.repeat; counts may add leading axes).
    public func repeated(_ counts: [Int]) -> Tensor {
        precondition(counts.count >= rank, "repeat needs at least \(rank) counts, got \(counts)")
        let padded = [Int](repeating: 1, count: counts.count - rank) + shape
        var interleavedShape: [Int] = [], expandedShape: [Int] = []
        for (count, size) in zip(counts, padded) {
            interleavedShape += [1, size]
            expandedShape += [count, size]
        }
        return reshaped(interleavedShape).expanded(to: expandedShape).reshaped(zip(counts, padded).map { $0 * $1 })
    }
}
