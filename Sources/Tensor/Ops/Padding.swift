// torch.nn.functional.pad: constant (negative amounts crop) and replicate, over the last k axes.

/// How `padded` fills the new border.
public enum PaddingMode: Sendable, Equatable {
    /// Every new element is the value (F.pad mode="constant").
    case constant(Float)
    /// Each new element copies the nearest edge element (F.pad mode="replicate").
    case replicate
}

extension Tensor {
    /// Pads the trailing axes as F.pad: `amounts` holds (before, after) pairs starting from the last axis,
    /// so [1, 2, 0, 3] adds 1 before / 2 after on the last axis and 3 after on the one before it.
    /// Constant padding accepts negative amounts, which crop. Differentiable; float results are float32,
    /// constant padding of an integer tensor keeps its dtype.
    public func padded(_ amounts: [Int], mode: PaddingMode = .constant(0)) -> Tensor {
        precondition(amounts.count % 2 == 0 && amounts.count / 2 <= rank,
                     "pad needs (before, after) pairs for at most \(rank) axes, got \(amounts)")
        // Last axis first, as F.pad lists them.
        let sides: [PaddedSide] = stride(from: 0, to: amounts.count, by: 2).map {
            (axis: rank - 1 - $0 / 2, before: amounts[$0], after: amounts[$0 + 1])
        }
        switch mode {
        case .replicate:
            return sides.reduce(self) { $0.replicatingEdges(axis: $1.axis, before: $1.before, after: $1.after) }
        case let .constant(value):
            // Crop first (negative amounts), then place the rest in a filled tensor.
            let cropped = sides.reduce(self) { tensor, side in
                let size = tensor.shape[side.axis], start = Swift.max(0, -side.before), end = size - Swift.max(0, -side.after)
                precondition(start <= end, "pad: cropping \(-side.before) and \(-side.after) from an axis of size \(size)")
                return start == 0 && end == size ? tensor : tensor.sliced(axis: side.axis, start: start, end: end)
            }
            return cropped.placedInFilled(value: value, growing: sides.map {
                (axis: $0.axis, before: Swift.max(0, $0.before), after: Swift.max(0, $0.after))
            })
        }
    }

    private typealias PaddedSide = (axis: Int, before: Int, after: Int)

    /// This tensor written into a new tensor filled with `value`, grown by the given amounts.
    private func placedInFilled(value: Float, growing sides: [PaddedSide]) -> Tensor {
        let dtype: DType = self.dtype.isFloatingPoint ? .float32 : self.dtype
        let source = converted(to: dtype)
        var outputShape = shape, start = [Int](repeating: 0, count: rank)
        for side in sides {
            outputShape[side.axis] += side.before + side.after
            start[side.axis] = side.before
        }
        if outputShape == shape { return source }
        let output = Tensor.full(outputShape, value: value, dtype: dtype)
        let windowOffset = zip(start, output.strides).map { $0 * $1 }.reduce(0, +)
        if source.elementCount > 0 {
            source.copy(into: Tensor(storage: output.storage, shape: shape, strides: output.strides, offset: windowOffset, dtype: dtype))
        }
        guard dtype == .float32 else { return output }
        return Autograd.record(output, operation: "pad", inputs: [source]) { [shape] gradient in
            [zip(start, shape).enumerated().reduce(gradient) { $0.narrowed(axis: $1.offset, start: $1.element.0, length: $1.element.1) }]
        }
    }

    /// Repeats the first element `before` times and the last `after` times along `axis` (an index
    /// select, so the gradient sums the copies back onto the edge elements).
    private func replicatingEdges(axis: Int, before: Int, after: Int) -> Tensor {
        precondition(before >= 0 && after >= 0, "replicate padding amounts must be non-negative, got \(before), \(after)")
        let size = shape[axis]
        if before == 0 && after == 0 { return asFloat32 }
        precondition(size > 0, "replicate padding needs a non-empty axis \(axis)")
        let source = (0..<(size + before + after)).map { Swift.min(Swift.max($0 - before, 0), size - 1) }
        return indexSelected(axis: axis, indices: Tensor(indices: source, shape: [source.count]))
    }
}
