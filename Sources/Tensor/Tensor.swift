import CKernels

/// An n-dimensional array: a value (shape, strides, offset, dtype) over shared reference-counted
/// storage. Views (`reshaped`, `permuted`, `sliced`, `expanded`, …) share storage; ops never mutate
/// an existing tensor's elements, so sharing is safe. A tensor that requires gradients carries a
/// node of the autodiff graph (see `Autograd`).
public struct Tensor: Sendable {
    /// The shared memory.
    public let storage: Storage
    /// Size of each axis.
    public let shape: [Int]
    /// Step, in elements, between neighbours along each axis (0 on broadcast axes, negative when flipped).
    public let strides: [Int]
    /// Position of element [0, 0, …] in `storage`, in elements.
    public let offset: Int
    /// Element type.
    public let dtype: DType
    /// The autodiff node (nil when nothing upstream requires gradients).
    public internal(set) var gradientNode: GradientNode?

    /// Wraps existing storage. The shape must pass `TensorLayout` (traps otherwise: shapes from files
    /// are checked with `TensorLayout(shape:elementSize:)` first, which throws).
    public init(storage: Storage, shape: [Int], strides: [Int]? = nil, offset: Int = 0, dtype: DType) {
        let layout = TensorLayout.trusted(shape, elementSize: dtype.byteCount)
        self.storage = storage
        self.shape = shape
        self.strides = strides ?? layout.strides
        self.offset = offset
        self.dtype = dtype
        gradientNode = nil
    }

    /// A new tensor of the given shape, zero-filled unless `zeroed` is false.
    public init(shape: [Int], dtype: DType = .float32, zeroed: Bool = true) {
        let count = TensorLayout.trusted(shape, elementSize: dtype.byteCount).elementCount
        self.init(storage: Storage(byteCount: count * dtype.byteCount, zeroed: zeroed), shape: shape, dtype: dtype)
    }

    /// A new tensor of a shape read from data (a file, a user): throws instead of trapping when the
    /// shape has a negative dimension or cannot be laid out in memory.
    public init(validatingShape shape: [Int], dtype: DType = .float32, zeroed: Bool = true) throws(TensorError) {
        _ = try TensorLayout(shape: shape, elementSize: dtype.byteCount)
        self.init(shape: shape, dtype: dtype, zeroed: zeroed)
    }

    /// Row-major strides of a contiguous tensor (traps on a shape `TensorLayout` refuses).
    public static func contiguousStrides(for shape: [Int]) -> [Int] {
        TensorLayout.trusted(shape).strides
    }

    /// Number of axes.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
    /// The device holding the storage.
    public var device: Device { storage.device }

    /// True when elements are laid out row-major without gaps starting at `offset`.
    public var isContiguous: Bool {
        var expected = 1
        for axis in shape.indices.reversed() where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Address of element [0, 0, …].
    public var baseAddress: UnsafeMutableRawPointer { storage.bytes + offset * dtype.byteCount }

    /// Typed address of element [0, 0, …]; the dtype must match `T`'s size (checked).
    public func pointer<T>(as type: T.Type) -> UnsafeMutablePointer<T> {
        precondition(MemoryLayout<T>.stride == dtype.byteCount, "reading \(dtype) as \(T.self)")
        return baseAddress.assumingMemoryBound(to: T.self)
    }

    /// Resolves a possibly negative axis against the rank.
    public func normalizedAxis(_ axis: Int) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        precondition(resolved >= 0 && resolved < Swift.max(rank, 1), "axis \(axis) out of range for rank \(rank)")
        return resolved
    }
}

// MARK: - Constructors

extension Tensor {
    /// A float32 tensor from values in row-major order (traps on a count mismatch; see `init(validating:shape:)`).
    public init(_ values: [Float], shape: [Int]) {
        Tensor.requireCount(values.count, for: shape, dtype: .float32)
        self.init(shape: shape, dtype: .float32, zeroed: false)
        let destination = pointer(as: Float.self)
        values.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: values.count) }
    }

    /// Traps unless `shape` is valid and holds exactly `count` elements (for constructors given values by code).
    private static func requireCount(_ count: Int, for shape: [Int], dtype: DType) {
        let expected = TensorLayout.trusted(shape, elementSize: dtype.byteCount).elementCount
        precondition(count == expected, "shape \(shape) needs \(expected) values, got \(count)")
    }

    /// A float32 tensor from values, throwing when the count does not match the shape.
    public init(validating values: [Float], shape: [Int]) throws {
        let expected = try TensorLayout(shape: shape, elementSize: DType.float32.byteCount).elementCount
        guard values.count == expected else {
            throw TensorError.elementCountMismatch(shape: shape, expected: expected, found: values.count)
        }
        self.init(values, shape: shape)
    }

    /// A 1-D float32 tensor.
    public init(_ values: [Float]) { self.init(values, shape: [values.count]) }

    /// A rank-0 float32 tensor.
    public init(scalar value: Float) { self.init([value], shape: []) }

    /// An int64 tensor (indices, token ids, labels).
    public init(int64 values: [Int64], shape: [Int]) {
        Tensor.requireCount(values.count, for: shape, dtype: .int64)
        self.init(shape: shape, dtype: .int64, zeroed: false)
        let destination = pointer(as: Int64.self)
        values.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: values.count) }
    }

    /// An int64 tensor from Ints.
    public init(indices values: [Int], shape: [Int]) { self.init(int64: values.map { Int64($0) }, shape: shape) }

    /// An int32 tensor.
    public init(int32 values: [Int32], shape: [Int]) {
        Tensor.requireCount(values.count, for: shape, dtype: .int32)
        self.init(shape: shape, dtype: .int32, zeroed: false)
        let destination = pointer(as: Int32.self)
        values.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A bool tensor (masks).
    public init(bools values: [Bool], shape: [Int]) {
        Tensor.requireCount(values.count, for: shape, dtype: .bool)
        self.init(shape: shape, dtype: .bool, zeroed: false)
        let destination = pointer(as: UInt8.self)
        for (index, value) in values.enumerated() { destination[index] = value ? 1 : 0 }
    }

    /// All zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor { Tensor(shape: shape, dtype: dtype) }

    /// All ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, value: 1, dtype: dtype) }

    /// Every element equal to `value` (converted to `dtype`).
    public static func full(_ shape: [Int], value: Float, dtype: DType = .float32) -> Tensor {
        let result = Tensor(shape: shape, dtype: .float32, zeroed: false)
        result.pointer(as: Float.self).update(repeating: value, count: result.elementCount)
        return dtype == .float32 ? result : result.converted(to: dtype)
    }

    /// 0, 1, …, count-1 as int64 (or any dtype).
    public static func arange(_ count: Int, dtype: DType = .int64) -> Tensor {
        arange(start: 0, end: Double(count), step: 1, dtype: dtype)
    }

    /// start, start+step, … below end (as torch.arange).
    public static func arange(start: Double, end: Double, step: Double = 1, dtype: DType = .float32) -> Tensor {
        precondition(step != 0, "arange step must be non-zero")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        if dtype == .int64 || dtype == .int32 || dtype == .bool {
            let values = (0..<count).map { Int64(start + Double($0) * step) }
            let result = Tensor(int64: values, shape: [count])
            return dtype == .int64 ? result : result.converted(to: dtype)
        }
        let result = Tensor((0..<count).map { Float(start + Double($0) * step) }, shape: [count])
        return dtype == .float32 ? result : result.converted(to: dtype)
    }
}

// MARK: - Readers

extension Tensor {
    /// Every element as Float, row-major (any dtype).
    public var scalars: [Float] {
        let values = converted(to: .float32).contiguous()
        return Array(UnsafeBufferPointer(start: values.pointer(as: Float.self), count: values.elementCount))
    }

    /// Every element as Int64, row-major (float values truncate, as torch's conversion).
    public var int64Scalars: [Int64] {
        let values = converted(to: .int64).contiguous()
        return Array(UnsafeBufferPointer(start: values.pointer(as: Int64.self), count: values.elementCount))
    }

    /// Every element as Bool (non-zero is true).
    public var boolScalars: [Bool] {
        let values = converted(to: .bool).contiguous()
        return UnsafeBufferPointer(start: values.pointer(as: UInt8.self), count: values.elementCount).map { $0 != 0 }
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(elementCount == 1, "item() needs exactly one element, shape is \(shape)")
        return scalars[0]
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = elementCount <= 8 ? "\(dtype.isFloatingPoint ? scalars.map { "\($0)" } : int64Scalars.map { "\($0)" })" : "…"
        return "Tensor(\(shape), \(dtype)\(requiresGradient ? ", requires gradient" : "")) \(preview)"
    }
}
