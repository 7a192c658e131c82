// Element decoding from little-endian safetensors bytes (half-precision widening as PyTorch does it: exact).

/// Converts raw little-endian element bytes to Swift arrays.
public enum ElementConversion {
    /// Widens a bfloat16 bit pattern to Float (exact: bf16 is the top half of an IEEE float).
    @inlinable public static func float(bfloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Widens an IEEE half bit pattern to Float (exact, subnormals and NaN included).
    @inlinable public static func float(float16Bits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        if exponent == 0 {
            // Subnormal half (or zero): value = mantissa · 2⁻²⁴, exactly representable in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
    }

    /// Decodes `count` floating-point elements of `dtype` into Float (F64 is rounded to nearest).
    public static func floats(from bytes: UnsafeRawBufferPointer, dtype: SafetensorsDType, count: Int) -> [Float] {
        precondition(dtype.isFloatingPoint && bytes.count == count * dtype.byteSize, "caller validated the byte span")
        guard count > 0 else { return [] }
        switch dtype {
        case .float32:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                initialized = count
            }
        case .float64:
            return (0..<count).map { Float(bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self)) }
        case .float16:
            return (0..<count).map { float(float16Bits: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
        case .bfloat16:
            return (0..<count).map { float(bfloat16Bits: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }
        default:
            preconditionFailure("not a floating-point dtype")
        }
    }

    /// Decodes `count` integer or boolean elements of `dtype` into Int.
    public static func integers(from bytes: UnsafeRawBufferPointer, dtype: SafetensorsDType, count: Int) -> [Int] {
        precondition(!dtype.isFloatingPoint && bytes.count == count * dtype.byteSize, "caller validated the byte span")
        switch dtype {
        case .int64: return (0..<count).map { Int(bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        case .int32: return (0..<count).map { Int(bytes.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self)) }
        case .int16: return (0..<count).map { Int(bytes.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }
        case .int8: return (0..<count).map { Int(Int8(bitPattern: bytes[$0])) }
        case .uint8: return (0..<count).map { Int(bytes[$0]) }
        case .bool: return (0..<count).map { bytes[$0] == 0 ? 0 : 1 }
        default: preconditionFailure("not an integer dtype")
        }
    }
}
