// Checked shape arithmetic, in one place every tensor constructor goes through. A shape is usable when
// its dimensions are non-negative and the product of max(dimension, 1) over all axes, times the element
// size, fits in Int: that product bounds every stride, every partial element count (`isContiguous`,
// `elementCount`, reductions) and every byte offset the engine computes, so none of them can overflow.
// Zero-element tensors are held to the same rule even though they own no bytes: a shape like
// [0, 2^62, 8] has strides that do not fit in 64 bits, which is also where PyTorch refuses it
// ("Stride calculation overflowed"), while the safetensors reader itself accepts the file.

/// Where each element of a contiguous tensor of a given shape lives.
public struct TensorLayout: Equatable, Sendable {
    /// The dimensions, outermost first.
    public let shape: [Int]
    /// Row-major strides, in elements.
    public let strides: [Int]
    /// The number of elements (0 when any dimension is 0).
    public let elementCount: Int

    /// Checks `shape` for elements of `elementSize` bytes; throws `TensorError.invalidShape` for a
    /// negative dimension and `.shapeTooLarge` when strides or byte offsets would overflow.
    public init(shape: [Int], elementSize: Int = 1) throws(TensorError) {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .invalidShape(shape) }
        var strides = [Int](repeating: 1, count: shape.count)
        var span = 1
        for axis in shape.indices.reversed() {
            strides[axis] = span
            let (next, overflow) = span.multipliedReportingOverflow(by: Swift.max(shape[axis], 1))
            guard !overflow else { throw .shapeTooLarge(shape) }
            span = next
        }
        guard !span.multipliedReportingOverflow(by: Swift.max(elementSize, 1)).overflow else { throw .shapeTooLarge(shape) }
        self.shape = shape
        self.strides = strides
        elementCount = shape.contains(0) ? 0 : span
    }

    /// The layout of a shape the caller guarantees is valid (built by code, not read from a file);
    /// traps with the reason otherwise.
    static func trusted(_ shape: [Int], elementSize: Int = 1) -> TensorLayout {
        do {
            return try TensorLayout(shape: shape, elementSize: elementSize)
        } catch {
            preconditionFailure("\(error)")
        }
    }
}
