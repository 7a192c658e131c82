import CKernels

/// Element types a tensor can store. Float32 is the compute type: math ops read any float type and
/// compute in float32; bfloat16/float16 are storage types for weights and activations.
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, bfloat16, float16, int32, int64, bool

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32, .int32: 4
        case .bfloat16, .float16: 2
        case .int64: 8
        case .bool: 1
        }
    }

    /// True for float32, bfloat16 and float16.
    public var isFloatingPoint: Bool { self == .float32 || self == .bfloat16 || self == .float16 }

    /// The code the C kernels use for this type.
    var kernelCode: Int32 {
        switch self {
        case .float32: Int32(VANS_F32.rawValue)
        case .bfloat16: Int32(VANS_BF16.rawValue)
        case .float16: Int32(VANS_F16.rawValue)
        case .int32: Int32(VANS_I32.rawValue)
        case .int64: Int32(VANS_I64.rawValue)
        case .bool: Int32(VANS_BOOL.rawValue)
        }
    }

    public var description: String { rawValue }
}
