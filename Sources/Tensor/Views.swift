import CKernels

// Views share storage; each is differentiable (its backward maps the gradient back to the input's shape).
extension Tensor {
    /// Copies the elements, in row-major order, into a new contiguous tensor of `dtype`.
    func materialized(as targetType: DType) -> Tensor {
        let result = Tensor(shape: shape, dtype: targetType, zeroed: false)
        let count = elementCount
        guard count > 0 else { return result }
        let shape64 = shape.map(Int64.init), strides64 = strides.map(Int64.init)
        let destinationStrides = Tensor.contiguousStrides(for: shape).map(Int64.init)
        let source = SendablePointer(baseAddress.assumingMemoryBound(to: UInt8.self))
        let destination = SendablePointer(result.baseAddress.assumingMemoryBound(to: UInt8.self))
        let sourceType = dtype.kernelCode, destinationType = targetType.kernelCode
        let elementSize = Int64(dtype.byteCount), sameType = dtype == targetType, rank = Int32(rank)
        Parallel.forEach(count: count, minimumChunk: 1 << 16) { range in
            if sameType {
                vans_copy_strided(source.base, strides64, destination.base, destinationStrides, elementSize, rank,
                                  shape64, Int64(range.lowerBound), Int64(range.upperBound))
            } else {
                vans_convert_strided(source.base, sourceType, strides64, destination.base, destinationType, rank,
                                     shape64, Int64(range.lowerBound), Int64(range.upperBound))
            }
        }
        return result
    }

    /// This tensor with a row-major layout (itself when already contiguous).
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        return Autograd.record(materialized(as: dtype), operation: "contiguous", inputs: [self]) { [shape] gradient in
            [gradient.reshaped(shape)]
        }
    }

    /// This tensor converted to `targetType` (itself when already of that type). Conversions
    /// between float types are differentiable; gradients stay float32.
    public func converted(to targetType: DType) -> Tensor {
        if dtype == targetType { return self }
        let result = materialized(as: targetType)
        guard targetType.isFloatingPoint && dtype.isFloatingPoint else { return result }
        return Autograd.record(result, operation: "convert", inputs: [self]) { gradient in [gradient] }
    }

    /// A float32 view or copy of this tensor, for kernels that compute in float32.
    var asFloat32: Tensor { converted(to: .float32) }

    /// Same elements, new shape (one dimension may be -1). A view when contiguous, else a copy.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        let count = elementCount
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if resolved == shape { return self }
        let source = contiguous()
        let view = Tensor(storage: source.storage, shape: resolved, offset: source.offset, dtype: dtype)
        return Autograd.record(view, operation: "reshape", inputs: [source]) { [shape] gradient in
            [gradient.reshaped(shape)]
        }
    }

    /// Reorders axes: result axis i is input axis `axes[i]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank && Set(axes.map(normalizedAxis)).count == rank,
                     "permutation \(axes) is invalid for rank \(rank)")
        let resolved = axes.map(normalizedAxis)
        let view = Tensor(storage: storage, shape: resolved.map { shape[$0] }, strides: resolved.map { strides[$0] },
                          offset: offset, dtype: dtype)
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in resolved.enumerated() { inverse[axis] = position }
        return Autograd.record(view, operation: "permute", inputs: [self]) { gradient in [gradient.permuted(inverse)] }
    }

    /// Swaps two axes.
    public func transposed(_ first: Int = -2, _ second: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(normalizedAxis(first), normalizedAxis(second))
        return permuted(axes)
    }

    /// Elements start, start+step, … below end along `axis` (negative start/end count from the end; clamped like Python).
    public func sliced(axis: Int, start: Int = 0, end: Int? = nil, step: Int = 1) -> Tensor {
        precondition(step > 0, "slice step must be positive")
        let axis = normalizedAxis(axis)
        let size = shape[axis]
        func clamp(_ value: Int) -> Int { Swift.min(Swift.max(value < 0 ? value + size : value, 0), size) }
        let lower = clamp(start), upper = Swift.max(clamp(end ?? size), lower)
        let length = (upper - lower + step - 1) / step
        var newShape = shape, newStrides = strides
        newShape[axis] = length
        newStrides[axis] = strides[axis] * step
        let view = Tensor(storage: storage, shape: newShape, strides: newStrides,
                          offset: offset + (length > 0 ? lower * strides[axis] : 0), dtype: dtype)
        return Autograd.record(view, operation: "slice", inputs: [self]) { [shape] gradient in
            let full = Tensor.zeros(shape)
            var windowStrides = full.strides
            windowStrides[axis] *= step
            let window = Tensor(storage: full.storage, shape: newShape, strides: windowStrides,
                                offset: lower * full.strides[axis], dtype: .float32)
            gradient.asFloat32.copy(into: window)
            return [full]
        }
    }

    /// `length` elements from `start` along `axis`.
    public func narrowed(axis: Int, start: Int, length: Int) -> Tensor {
        sliced(axis: axis, start: start, end: start + length)
    }

    /// Writes this tensor's elements into `destination`'s (possibly strided) window of equal shape and dtype.
    func copy(into destination: Tensor) {
        precondition(destination.shape == shape && destination.dtype == dtype, "copy shape/dtype mismatch")
        let shape64 = shape.map(Int64.init), sourceStrides = strides.map(Int64.init)
        let destinationStrides = destination.strides.map(Int64.init)
        let source = SendablePointer(baseAddress.assumingMemoryBound(to: UInt8.self))
        let target = SendablePointer(destination.baseAddress.assumingMemoryBound(to: UInt8.self))
        let elementSize = Int64(dtype.byteCount), rank = Int32(rank)
        Parallel.forEach(count: elementCount, minimumChunk: 1 << 16) { range in
            vans_copy_strided(source.base, sourceStrides, target.base, destinationStrides, elementSize, rank, shape64,
                              Int64(range.lowerBound), Int64(range.upperBound))
        }
    }

    /// Broadcasts size-1 axes (and new leading axes) to `newShape` without copying; -1 keeps a size.
    public func expanded(to newShape: [Int]) -> Tensor {
        precondition(newShape.count >= rank, "cannot expand \(shape) to \(newShape)")
        let lead = newShape.count - rank
        var resolved = newShape, newStrides = [Int](repeating: 0, count: newShape.count)
        for axis in 0..<newShape.count {
            guard axis >= lead else { continue }
            let size = shape[axis - lead]
            if newShape[axis] == -1 { resolved[axis] = size }
            if size == resolved[axis] {
                newStrides[axis] = strides[axis - lead]
            } else {
                precondition(size == 1, "cannot expand \(shape) to \(newShape)")
            }
        }
        if resolved == shape { return self }
        let view = Tensor(storage: storage, shape: resolved, strides: newStrides, offset: offset, dtype: dtype)
        return Autograd.record(view, operation: "expand", inputs: [self]) { [shape] gradient in
            [gradient.summed(toShape: shape)]
        }
    }

    /// Sums a broadcast result back to `targetShape` (the gradient rule of broadcasting).
    public func summed(toShape targetShape: [Int]) -> Tensor {
        if shape == targetShape { return self }
        let lead = rank - targetShape.count
        precondition(lead >= 0, "cannot sum \(shape) to \(targetShape)")
        var axes = Array(0..<lead)
        for axis in 0..<targetShape.count where targetShape[axis] == 1 && shape[axis + lead] != 1 {
            axes.append(axis + lead)
        }
        return sum(axes: axes, keepingDimensions: true).reshaped(targetShape)
    }

    /// Inserts a size-1 axis at `axis`.
    public func unsqueezed(_ axis: Int) -> Tensor {
        let position = axis < 0 ? axis + rank + 1 : axis
        precondition(position >= 0 && position <= rank, "unsqueeze axis \(axis) out of range for rank \(rank)")
        var newShape = shape, newStrides = strides
        newShape.insert(1, at: position)
        newStrides.insert(position < rank ? strides[position] * shape[position] : 1, at: position)
        let view = Tensor(storage: storage, shape: newShape, strides: newStrides, offset: offset, dtype: dtype)
        return Autograd.record(view, operation: "unsqueeze", inputs: [self]) { gradient in [gradient.squeezed(position)] }
    }

    /// Removes the size-1 axis `axis` (or every size-1 axis when nil).
    public func squeezed(_ axis: Int? = nil) -> Tensor {
        let removed: [Int] = axis.map { [normalizedAxis($0)] } ?? shape.indices.filter { shape[$0] == 1 }
        precondition(removed.allSatisfy { shape[$0] == 1 }, "squeeze axis \(axis ?? -1) has size \(shape)")
        if removed.isEmpty { return self }
        let kept = shape.indices.filter { !removed.contains($0) }
        let view = Tensor(storage: storage, shape: kept.map { shape[$0] }, strides: kept.map { strides[$0] },
                          offset: offset, dtype: dtype)
        return Autograd.record(view, operation: "squeeze", inputs: [self]) { [shape] gradient in [gradient.reshaped(shape)] }
    }

    /// Reverses the order of elements along `axes` (a view with negative strides).
    public func flipped(axes: [Int]) -> Tensor {
        let resolved = Set(axes.map(normalizedAxis))
        var newStrides = strides, newOffset = offset
        for axis in resolved where shape[axis] > 0 {
            newOffset += (shape[axis] - 1) * strides[axis]
            newStrides[axis] = -strides[axis]
        }
        let view = Tensor(storage: storage, shape: shape, strides: newStrides, offset: newOffset, dtype: dtype)
        return Autograd.record(view, operation: "flip", inputs: [self]) { gradient in [gradient.flipped(axes: axes)] }
    }
}
