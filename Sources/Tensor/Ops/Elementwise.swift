import CKernels

// Elementwise ops: unary math and activations, broadcasting arithmetic, comparisons, where.
// Inputs of any float dtype are computed in float32; results are float32.

/// Which GELU formula to use (torch's `approximate="none"` or `"tanh"`).
public enum GELUApproximation: Sendable { case none, tanh }

extension Tensor {
    /// Runs a C unary kernel over a contiguous float32 copy and records its derivative kernel.
    func unary(_ op: VansUnary, _ name: String, _ first: Float = 0, _ second: Float = 0) -> Tensor {
        let input = asFloat32.contiguous()
        let output = Tensor(shape: shape, zeroed: false)
        let source = SendablePointer(input.pointer(as: Float.self))
        let destination = SendablePointer(output.pointer(as: Float.self))
        let code = Int32(op.rawValue)
        Parallel.forEach(count: elementCount, minimumChunk: 1 << 14) { range in
            vans_unary_f32(code, source.base, destination.base, first, second, Int64(range.lowerBound),
                           Int64(range.upperBound))
        }
        return Autograd.record(output, operation: name, inputs: [input]) { gradient in
            let upstream = gradient.contiguous()
            let result = Tensor(shape: upstream.shape, zeroed: false)
            let x = SendablePointer(input.pointer(as: Float.self)), y = SendablePointer(output.pointer(as: Float.self))
            let g = SendablePointer(upstream.pointer(as: Float.self)), gx = SendablePointer(result.pointer(as: Float.self))
            Parallel.forEach(count: upstream.elementCount, minimumChunk: 1 << 14) { range in
                vans_unary_backward_f32(code, x.base, y.base, g.base, gx.base, first, second,
                                        Int64(range.lowerBound), Int64(range.upperBound))
            }
            return [result]
        }
    }

    public func exp() -> Tensor { unary(VANS_EXP, "exp") }
    public func log() -> Tensor { unary(VANS_LOG, "log") }
    public func sqrt() -> Tensor { unary(VANS_SQRT, "sqrt") }
    /// 1 / sqrt(x).
    public func rsqrt() -> Tensor { unary(VANS_RSQRT, "rsqrt") }
    public func tanh() -> Tensor { unary(VANS_TANH, "tanh") }
    public func sigmoid() -> Tensor { unary(VANS_SIGMOID, "sigmoid") }
    public func erf() -> Tensor { unary(VANS_ERF, "erf") }
    public func abs() -> Tensor { unary(VANS_ABS, "abs") }
    public func relu() -> Tensor { unary(VANS_RELU, "relu") }
    /// x · sigmoid(x).
    public func silu() -> Tensor { unary(VANS_SILU, "silu") }
    /// x · Φ(x) (erf form) or its tanh approximation.
    public func gelu(approximation: GELUApproximation = .none) -> Tensor {
        approximation == .none ? unary(VANS_GELU_ERF, "gelu") : unary(VANS_GELU_TANH, "gelu_tanh")
    }
    /// x · sigmoid(1.702 x) (CLIP's activation).
    public func quickGELU() -> Tensor { unary(VANS_QUICK_GELU, "quick_gelu") }
    /// x raised to a constant power.
    public func pow(_ exponent: Float) -> Tensor { unary(VANS_POW_SCALAR, "pow", exponent) }
    public func square() -> Tensor { unary(VANS_SQUARE, "square") }
    public func reciprocal() -> Tensor { unary(VANS_RECIPROCAL, "reciprocal") }
    public func sin() -> Tensor { unary(VANS_SIN, "sin") }
    public func cos() -> Tensor { unary(VANS_COS, "cos") }
    /// Limits every element to [minimum, maximum] (gradient 1 inside, 0 outside, as torch).
    public func clamped(min minimum: Float = -.infinity, max maximum: Float = .infinity) -> Tensor {
        unary(VANS_CLAMP, "clamp", minimum, maximum)
    }

    public static prefix func - (value: Tensor) -> Tensor { value.unary(VANS_NEG, "neg") }
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.unary(VANS_ADD_SCALAR, "add_scalar", rhs) }
    public static func + (lhs: Float, rhs: Tensor) -> Tensor { rhs + lhs }
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs + (-rhs) }
    public static func - (lhs: Float, rhs: Tensor) -> Tensor { (-rhs) + lhs }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.unary(VANS_MUL_SCALAR, "mul_scalar", rhs) }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs * lhs }
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs * (1 / rhs) }
    public static func / (lhs: Float, rhs: Tensor) -> Tensor { rhs.reciprocal() * lhs }
}

// MARK: - Broadcasting binary ops

extension Tensor {
    /// The broadcast of two shapes (numpy rules); traps when incompatible.
    public static func broadcastShape(_ first: [Int], _ second: [Int]) -> [Int] {
        let rank = Swift.max(first.count, second.count)
        return (0..<rank).map { axis in
            let a = axis - (rank - first.count) >= 0 ? first[axis - (rank - first.count)] : 1
            let b = axis - (rank - second.count) >= 0 ? second[axis - (rank - second.count)] : 1
            precondition(a == b || a == 1 || b == 1, "shapes \(first) and \(second) do not broadcast")
            return a == 1 ? b : a
        }
    }

    /// Strides that read this tensor broadcast to `target` (0 on broadcast axes).
    func broadcastStrides(to target: [Int]) -> [Int64] {
        let lead = target.count - rank
        return (0..<target.count).map { axis in
            axis < lead || shape[axis - lead] == 1 ? 0 : Int64(strides[axis - lead])
        }
    }

    func binary(_ op: VansBinary, _ other: Tensor, _ name: String,
                backward: @escaping (Tensor, Tensor, Tensor, Tensor) -> [Tensor?]) -> Tensor {
        let a = asFloat32, b = other.asFloat32
        let outputShape = Tensor.broadcastShape(a.shape, b.shape)
        let output = Tensor(shape: outputShape, zeroed: false)
        let aStrides = a.broadcastStrides(to: outputShape), bStrides = b.broadcastStrides(to: outputShape)
        let shape64 = outputShape.map(Int64.init), rank = Int32(outputShape.count), code = Int32(op.rawValue)
        let pa = SendablePointer(a.pointer(as: Float.self)), pb = SendablePointer(b.pointer(as: Float.self))
        let po = SendablePointer(output.pointer(as: Float.self))
        Parallel.forEach(count: output.elementCount, minimumChunk: 1 << 15) { range in
            vans_binary_f32(code, pa.base, aStrides, pb.base, bStrides, po.base, rank, shape64,
                            Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: name, inputs: [a, b]) { gradient in
            let gradients = backward(gradient, a, b, output)
            return [gradients[0]?.summed(toShape: a.shape), gradients[1]?.summed(toShape: b.shape)]
        }
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        lhs.binary(VANS_ADD, rhs, "add") { g, _, _, _ in [g, g] }
    }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        lhs.binary(VANS_SUB, rhs, "sub") { g, _, _, _ in [g, -g] }
    }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        lhs.binary(VANS_MUL, rhs, "mul") { g, a, b, _ in [g * b, g * a] }
    }
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        lhs.binary(VANS_DIV, rhs, "div") { g, _, b, out in
            let gradientA = g / b
            return [gradientA, -(gradientA * out)]
        }
    }
    /// Elementwise power with a tensor exponent.
    public func pow(_ exponent: Tensor) -> Tensor {
        binary(VANS_POW, exponent, "pow") { g, a, b, out in
            [g * b * a.pow(b - 1), g * out * a.log()]
        }
    }
    /// Elementwise maximum (gradient to the larger input; ties to the first, as a mask).
    public func maximum(_ other: Tensor) -> Tensor {
        binary(VANS_MAXIMUM, other, "maximum") { g, a, b, _ in
            let mask = a.greaterOrEqual(b)
            return [Tensor.where(mask, g, Tensor(scalar: 0)), Tensor.where(mask, Tensor(scalar: 0), g)]
        }
    }
    /// Elementwise minimum.
    public func minimum(_ other: Tensor) -> Tensor {
        binary(VANS_MINIMUM, other, "minimum") { g, a, b, _ in
            let mask = a.lessOrEqual(b)
            return [Tensor.where(mask, g, Tensor(scalar: 0)), Tensor.where(mask, Tensor(scalar: 0), g)]
        }
    }

    func compare(_ op: VansCompare, _ other: Tensor) -> Tensor {
        let a = asFloat32.detached(), b = other.asFloat32.detached()
        let outputShape = Tensor.broadcastShape(a.shape, b.shape)
        let output = Tensor(shape: outputShape, dtype: .bool, zeroed: false)
        let aStrides = a.broadcastStrides(to: outputShape), bStrides = b.broadcastStrides(to: outputShape)
        let shape64 = outputShape.map(Int64.init), rank = Int32(outputShape.count), code = Int32(op.rawValue)
        let pa = SendablePointer(a.pointer(as: Float.self)), pb = SendablePointer(b.pointer(as: Float.self))
        let po = SendablePointer(output.pointer(as: UInt8.self))
        Parallel.forEach(count: output.elementCount, minimumChunk: 1 << 15) { range in
            vans_compare_f32(code, pa.base, aStrides, pb.base, bStrides, po.base, rank, shape64,
                             Int64(range.lowerBound), Int64(range.upperBound))
        }
        return output
    }

    /// Elementwise comparisons, returning bool tensors (never differentiable).
    public func equal(_ other: Tensor) -> Tensor { compare(VANS_EQ, other) }
    public func notEqual(_ other: Tensor) -> Tensor { compare(VANS_NE, other) }
    public func less(_ other: Tensor) -> Tensor { compare(VANS_LT, other) }
    public func lessOrEqual(_ other: Tensor) -> Tensor { compare(VANS_LE, other) }
    public func greater(_ other: Tensor) -> Tensor { compare(VANS_GT, other) }
    public func greaterOrEqual(_ other: Tensor) -> Tensor { compare(VANS_GE, other) }

    /// Picks `whereTrue` where `condition` holds, else `whereFalse` (all three broadcast).
    public static func `where`(_ condition: Tensor, _ whereTrue: Tensor, _ whereFalse: Tensor) -> Tensor {
        let a = whereTrue.asFloat32, b = whereFalse.asFloat32
        let outputShape = broadcastShape(broadcastShape(condition.shape, a.shape), b.shape)
        let mask = condition.converted(to: .bool).expanded(to: outputShape).contiguous()
        let left = a.detached().expanded(to: outputShape).contiguous()
        let right = b.detached().expanded(to: outputShape).contiguous()
        let output = Tensor(shape: outputShape, zeroed: false)
        let pm = SendablePointer(mask.pointer(as: UInt8.self)), pa = SendablePointer(left.pointer(as: Float.self))
        let pb = SendablePointer(right.pointer(as: Float.self)), po = SendablePointer(output.pointer(as: Float.self))
        Parallel.forEach(count: output.elementCount, minimumChunk: 1 << 15) { range in
            vans_where_f32(pm.base, pa.base, pb.base, po.base, Int64(range.lowerBound), Int64(range.upperBound))
        }
        return Autograd.record(output, operation: "where", inputs: [a, b]) { gradient in
            let zero = Tensor(scalar: 0)
            return [Tensor.where(mask, gradient, zero).summed(toShape: a.shape),
                    Tensor.where(mask, zero, gradient).summed(toShape: b.shape)]
        }
    }

    /// This tensor with `value` wherever `mask` is true (mask broadcasts).
    public func maskedFilled(where mask: Tensor, with value: Float) -> Tensor {
        Tensor.where(mask, Tensor(scalar: value), self)
    }
}
