// Mirrors safetensors' `Dtype` (safetensors/src/tensor.rs): the element types a file may declare.

/// An element type as spelled in a safetensors header.
public enum SafetensorsDType: String, CaseIterable, Sendable {
    case float64 = "F64"
    case float32 = "F32"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int64 = "I64"
    case int32 = "I32"
    case int16 = "I16"
    case int8 = "I8"
    case uint8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// Whether the type holds floating-point values.
    public var isFloatingPoint: Bool {
        switch self {
        case .float64, .float32, .float16, .bfloat16: return true
        default: return false
        }
    }
}

extension SafetensorsDType {
    /// Position in the reference's `Dtype` declaration order; its writer lays tensors out by
    /// descending rank (widest first, so every tensor stays aligned), then by name.
    var referenceRank: Int {
        switch self {
        case .bool: return 0
        case .uint8: return 4
        case .int8: return 5
        case .int16: return 9
        case .float16: return 11
        case .bfloat16: return 12
        case .int32: return 13
        case .float32: return 15
        case .float64: return 17
        case .int64: return 18
        }
    }
}
