// The values a restricted unpickler of `torch.save` state dicts builds (Python's pickle.py semantics for the
// subset in PickleMachine.swift), and the allow-list of globals: the only callables a plain state dict names.

/// A storage a tensor views: record `data/<key>` of the archive, `elementCount` elements of `dtype`.
public struct PyTorchStorageReference: Sendable, Equatable, Hashable {
    /// The record key (`data/<key>` in the archive).
    public var key: String
    /// Element type of the storage.
    public var dtype: SafetensorsDType
    /// Number of elements.
    public var elementCount: Int
}

/// One tensor of a state dict: a strided view of a storage (what `torch._utils._rebuild_tensor_v2` rebuilds).
public struct PyTorchTensorInfo: Sendable, Equatable {
    /// The flattened state-dict key.
    public var name: String
    /// The storage the tensor views.
    public var storage: PyTorchStorageReference
    /// Offset of element [0, 0, …] in the storage, in elements.
    public var storageOffset: Int
    /// Dimensions, outermost first.
    public var shape: [Int]
    /// Steps in elements between neighbours along each axis.
    public var strides: [Int]

    /// Element type.
    public var dtype: SafetensorsDType { storage.dtype }
    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// The callables and classes a state dict may name (GLOBAL / STACK_GLOBAL); anything else is refused.
enum PickleGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2
    case rebuildTensor
    case rebuildParameter
    case rebuildParameterWithState
    case storageType(SafetensorsDType, name: String)

    /// The allowed global `module.name`, or nil.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("torch", _):
            guard let dtype = Self.storageTypes[name] else { return nil }
            self = .storageType(dtype, name: name)
        default: return nil
        }
    }

    /// Storage classes pickled in persistent ids, by element type.
    static let storageTypes: [String: SafetensorsDType] = [
        "FloatStorage": .float32, "DoubleStorage": .float64, "HalfStorage": .float16, "BFloat16Storage": .bfloat16,
        "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16, "CharStorage": .int8,
        "ByteStorage": .uint8, "BoolStorage": .bool,
    ]

    var name: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildTensor: return "torch._utils._rebuild_tensor"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .storageType(_, let name): return "torch.\(name)"
        }
    }
}

/// A mutable Python list (lists are shared through the memo, and APPEND mutates them in place).
final class PickleList {
    var items: [PickleValue] = []
}

/// A mutable Python dict or OrderedDict, in insertion order; a repeated key replaces the value, as in Python.
final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var positions: [PickleKey: Int] = [:]
    /// Instance attributes set by BUILD (an `nn.Module.state_dict()` carries `_metadata` this way).
    var attributes: [String: PickleValue] = [:]

    func set(_ key: PickleValue, _ value: PickleValue) -> Bool {
        guard let hashable = PickleKey(key) else { return false }
        if let position = positions[hashable] {
            entries[position].value = value
        } else {
            positions[hashable] = entries.count
            entries.append((key, value))
        }
        return true
    }
}

/// A dictionary key as Python hashes it, for the key types a state dict uses.
enum PickleKey: Hashable {
    case string(String), int(Int), bool(Bool), none

    init?(_ value: PickleValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .int(let number): self = .int(number)
        case .bool(let flag): self = .int(flag ? 1 : 0)
        case .none: self = .none
        default: return nil
        }
    }
}

/// A value on the unpickler's stack.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(PyTorchStorageReference)
    case tensor(storage: PyTorchStorageReference, offset: Int, shape: [Int], strides: [Int])

    /// Python's type name, for error messages.
    var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let global): return global.name
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }

    /// A short rendering of a scalar leaf (for non-tensor entries of a checkpoint).
    var scalarDescription: String? {
        switch self {
        case .none: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .int(let number): return String(number)
        case .float(let number): return String(number)
        // Bounded: one long string referenced from many places must not be copied many times.
        case .string(let text): return text.count <= 200 ? "'\(text)'" : "'\(text.prefix(200))…' (\(text.utf8.count) bytes)"
        default: return nil
        }
    }
}
