import CKernels

// Reductions (sum, mean, max/min, argmax, variance, logsumexp) and softmax / log-softmax.
extension Tensor {
    /// Arranges this tensor (float32, contiguous) as [outer, reduce, inner] for reducing `axes`,
    /// returning the keep-dimensions output shape.
    func reductionLayout(_ axes: [Int]) -> (input: Tensor, outer: Int, reduce: Int, inner: Int, keptShape: [Int]) {
        let reduced = Array(Set(axes.map(normalizedAxis))).sorted()
        var keptShape = shape
        for axis in reduced { keptShape[axis] = 1 }
        let source = asFloat32
        if reduced.isEmpty { return (source.contiguous(), elementCount, 1, 1, keptShape) }
        if reduced.last! - reduced.first! + 1 == reduced.count {
            let outer = shape[..<reduced.first!].reduce(1, *)
            let reduce = reduced.map { shape[$0] }.reduce(1, *)
            let inner = shape[(reduced.last! + 1)...].reduce(1, *)
            return (source.contiguous(), outer, reduce, inner, keptShape)
        }
        let kept = shape.indices.filter { !reduced.contains($0) }
        let arranged = source.permuted(kept + reduced).contiguous()
        return (arranged, kept.map { shape[$0] }.reduce(1, *), reduced.map { shape[$0] }.reduce(1, *), 1, keptShape)
    }

    /// Sum over `axes` (all axes when nil), keeping reduced axes as size 1 when asked.
    public func sum(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let axes = axes ?? Array(0..<rank)
        let layout = reductionLayout(axes)
        let output = Tensor(shape: layout.keptShape, zeroed: false)
        let input = SendablePointer(layout.input.pointer(as: Float.self))
        let destination = SendablePointer(output.pointer(as: Float.self))
        let reduce = Int64(layout.reduce), inner = Int64(layout.inner)
        Parallel.forEach(count: layout.outer, minimumChunk: Swift.max(1, (1 << 15) / Swift.max(1, layout.reduce * layout.inner))) { range in
            vans_reduce_sum_f32(input.base, reduce, inner, destination.base, Int64(range.lowerBound), Int64(range.upperBound))
        }
        // Recorded against the float32 input in its own layout (the kernel may have read a permuted copy).
        let recorded = Autograd.record(output, operation: "sum", inputs: [asFloat32]) { [shape] gradient in
            [gradient.expanded(to: shape)]
        }
        return keepingDimensions ? recorded : recorded.droppingAxes(axes)
    }

    /// Sum along one axis.
    public func sum(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        sum(axes: [axis], keepingDimensions: keepingDimensions)
    }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let axes = axes ?? Array(0..<rank)
        let count = Set(axes.map(normalizedAxis)).map { shape[$0] }.reduce(1, *)
        return sum(axes: axes, keepingDimensions: keepingDimensions) * (1 / Float(Swift.max(count, 1)))
    }

    /// Mean along one axis.
    public func mean(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        mean(axes: [axis], keepingDimensions: keepingDimensions)
    }

    /// Variance over `axes` with Bessel's `correction` (1 = unbiased, torch's default).
    public func variance(axes: [Int]? = nil, correction: Int = 1, keepingDimensions: Bool = false) -> Tensor {
        let axes = axes ?? Array(0..<rank)
        let count = Set(axes.map(normalizedAxis)).map { shape[$0] }.reduce(1, *)
        let centered = asFloat32 - mean(axes: axes, keepingDimensions: true)
        return centered.square().sum(axes: axes, keepingDimensions: keepingDimensions) * (1 / Float(count - correction))
    }

    /// Removes the (size-1) reduced axes.
    func droppingAxes(_ axes: [Int]) -> Tensor {
        let reduced = Set(axes.map(normalizedAxis))
        return reshaped(shape.indices.filter { !reduced.contains($0) }.map { shape[$0] })
    }

    func extreme(axis: Int, mode: Int32, keepingDimensions: Bool) -> (values: Tensor, indices: Tensor) {
        let axis = normalizedAxis(axis)
        let layout = reductionLayout([axis])
        let values = Tensor(shape: layout.keptShape, zeroed: false)
        let indices = Tensor(shape: layout.keptShape, dtype: .int64, zeroed: false)
        let input = SendablePointer(layout.input.pointer(as: Float.self))
        let pv = SendablePointer(values.pointer(as: Float.self)), pi = SendablePointer(indices.pointer(as: Int64.self))
        let reduce = Int64(layout.reduce), inner = Int64(layout.inner)
        Parallel.forEach(count: layout.outer, minimumChunk: Swift.max(1, (1 << 15) / Swift.max(1, layout.reduce * layout.inner))) { range in
            vans_reduce_extreme_f32(input.base, reduce, inner, mode, pv.base, pi.base, Int64(range.lowerBound),
                                    Int64(range.upperBound))
        }
        let recorded = Autograd.record(values, operation: mode == 0 ? "max" : "min", inputs: [layout.input]) { [shape] gradient in
            [Tensor.zeros(shape).scatterAdding(axis: axis, indices: indices, source: gradient)]
        }
        if keepingDimensions { return (recorded, indices) }
        return (recorded.droppingAxes([axis]), indices.droppingAxes([axis]))
    }

    /// Largest value along `axis` (gradient flows to the first maximal element, as torch.max(dim)).
    public func max(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        extreme(axis: axis, mode: 0, keepingDimensions: keepingDimensions).values
    }

    /// Smallest value along `axis`.
    public func min(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        extreme(axis: axis, mode: 1, keepingDimensions: keepingDimensions).values
    }

    /// Largest element overall.
    public func max() -> Tensor { reshaped([-1]).max(axis: 0) }

    /// Smallest element overall.
    public func min() -> Tensor { reshaped([-1]).min(axis: 0) }

    /// Index (int64) of the first largest value along `axis`.
    public func argmax(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        detached().extreme(axis: axis, mode: 0, keepingDimensions: keepingDimensions).indices
    }

    /// Index (int64) of the first smallest value along `axis`.
    public func argmin(axis: Int, keepingDimensions: Bool = false) -> Tensor {
        detached().extreme(axis: axis, mode: 1, keepingDimensions: keepingDimensions).indices
    }

    /// log Σ exp over `axes`, computed stably.
    public func logSumExp(axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        var shift = asFloat32.detached()
        for axis in Set(axes.map(normalizedAxis)) { shift = shift.max(axis: axis, keepingDimensions: true) }
        // An all -inf slice would give inf - inf; shift by 0 there, as torch does.
        shift = shift.maskedFilled(where: shift.abs().equal(Tensor(scalar: .infinity)), with: 0)
        let result = (asFloat32 - shift).exp().sum(axes: axes, keepingDimensions: true).log() + shift
        return keepingDimensions ? result : result.droppingAxes(axes)
    }

    /// Softmax along `axis`.
    public func softmax(axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, logSpace: false) }

    /// Log-softmax along `axis`.
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxFamily(axis: axis, logSpace: true) }

    func softmaxFamily(axis: Int, logSpace: Bool) -> Tensor {
        let axis = normalizedAxis(axis)
        if axis != rank - 1 {
            return transposed(axis, -1).softmaxFamily(axis: -1, logSpace: logSpace).transposed(axis, -1)
        }
        let input = asFloat32.contiguous()
        let output = Tensor(shape: shape, zeroed: false)
        let length = Int64(Swift.max(shape.last ?? 1, 1)), rows = elementCount / Swift.max(shape.last ?? 1, 1)
        let px = SendablePointer(input.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
        let flag: Int32 = logSpace ? 1 : 0
        Parallel.forEach(count: rows, minimumChunk: Swift.max(1, 8192 / Int(length))) { range in
            vans_softmax_rows_f32(px.base, py.base, length, flag, Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: logSpace ? "log_softmax" : "softmax", inputs: [input]) { gradient in
            let upstream = gradient.contiguous()
            let result = Tensor(shape: upstream.shape, zeroed: false)
            let py = SendablePointer(output.pointer(as: Float.self)), pg = SendablePointer(upstream.pointer(as: Float.self))
            let pr = SendablePointer(result.pointer(as: Float.self))
            Parallel.forEach(count: rows, minimumChunk: Swift.max(1, 8192 / Int(length))) { range in
                vans_softmax_backward_rows_f32(py.base, pg.base, pr.base, length, flag, Int64(range.lowerBound),
                                               Int64(range.upperBound))
            }
            return [result]
        }
    }
}
