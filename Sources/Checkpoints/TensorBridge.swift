// Bridging safetensors data and engine tensors, in both directions, for every dtype.
import Foundation
import Tensor

extension SafetensorsDType {
    /// The engine dtype a tensor of this type loads as: the same type where the engine has it;
    /// F64 narrows to float32 and I16/I8/U8 widen to int32 (the engine's compute types).
    public var engineDType: DType {
        switch self {
        case .float32, .float64: return .float32
        case .float16: return .float16
        case .bfloat16: return .bfloat16
        case .int64: return .int64
        case .int32, .int16, .int8, .uint8: return .int32
        case .bool: return .bool
        }
    }

    /// The safetensors dtype that stores an engine dtype exactly.
    public init(_ dtype: DType) {
        switch dtype {
        case .float32: self = .float32
        case .float16: self = .float16
        case .bfloat16: self = .bfloat16
        case .int64: self = .int64
        case .int32: self = .int32
        case .bool: self = .bool
        }
    }
}

extension SafetensorsFile {
    /// Tensor `name` in engine memory (copied out of the mapping; see `engineDType` for conversions).
    public func tensor(_ name: String) throws(CheckpointError) -> Tensor {
        let info = try info(name)
        try checkEngineLayout(info)
        let result = Tensor(shape: info.shape, dtype: info.dtype.engineDType, zeroed: false)
        let count = info.elementCount
        guard count > 0 else { return result }
        let bytes = try rawBytes(of: name)
        bytes.withUnsafeBytes { source in
            switch info.dtype {
            case .float32, .float16, .bfloat16, .int64, .int32, .bool:
                result.baseAddress.copyMemory(from: source.baseAddress!, byteCount: source.count)
            case .float64:
                let values = ElementConversion.floats(from: source, dtype: .float64, count: count)
                values.withUnsafeBytes { result.baseAddress.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            case .int16, .int8, .uint8:
                let destination = result.pointer(as: Int32.self)
                for (index, value) in ElementConversion.integers(from: source, dtype: info.dtype, count: count).enumerated() {
                    destination[index] = Int32(value)
                }
            }
        }
        return result
    }

    /// Tensor `name` as a zero-copy view of the memory mapping (the file stays mapped while the
    /// tensor lives). Only for dtypes the engine stores natively and element-aligned data; other
    /// tensors are copied as `tensor(_:)` does. Engine ops never write into their inputs, so the
    /// read-only mapping is safe to share.
    public func mappedTensor(_ name: String) throws(CheckpointError) -> Tensor {
        let info = try info(name)
        let native: Set<SafetensorsDType> = [.float32, .float16, .bfloat16, .int64, .int32, .bool]
        guard native.contains(info.dtype), info.elementCount > 0,
              let start = mappedAddress(of: info), Int(bitPattern: start) % info.dtype.byteSize == 0 else {
            return try tensor(name)
        }
        try checkEngineLayout(info)
        let storage = Storage(borrowing: start, byteCount: info.dataOffsets.count, owner: self)
        return Tensor(storage: storage, shape: info.shape, dtype: info.dtype.engineDType)
    }

    /// Every tensor of the file, keyed by name; `mapped` shares the mapping instead of copying.
    public func allTensors(mapped: Bool = false) throws(CheckpointError) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for name in tensorNames { result[name] = mapped ? try mappedTensor(name) : try tensor(name) }
        return result
    }

    /// Throws for a shape the engine cannot lay out: the safetensors format allows zero-element shapes
    /// like [0, 2^62, 8] whose strides overflow 64-bit integers.
    private func checkEngineLayout(_ info: SafetensorsTensorInfo) throws(CheckpointError) {
        do {
            _ = try TensorLayout(shape: info.shape, elementSize: info.dtype.engineDType.byteCount)
        } catch {
            throw .unloadableShape(file: url.path, tensor: info.name, reason: "\(error)")
        }
    }
}

extension SafetensorsCheckpoint {
    /// Tensor `name` from whichever shard holds it.
    public func tensor(_ name: String) throws(CheckpointError) -> Tensor {
        try file(containing: name).tensor(name)
    }

    /// Every tensor of every shard, keyed by name (what `Module.load(weights:)` takes); `mapped`
    /// shares the files' mappings instead of copying.
    public func allTensors(mapped: Bool = false) throws(CheckpointError) -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for file in files { result.merge(try file.allTensors(mapped: mapped)) { first, _ in first } }
        return result
    }
}

extension SafetensorsTensorData {
    /// The bytes of an engine tensor (made contiguous first), stored in its own dtype.
    public init(_ tensor: Tensor) {
        let contiguous = tensor.contiguous()
        self.init(dtype: SafetensorsDType(tensor.dtype), shape: tensor.shape,
                  bytes: Data(bytes: contiguous.baseAddress, count: contiguous.elementCount * tensor.dtype.byteCount))
    }
}

extension SafetensorsWriter {
    /// Writes engine tensors to `url` atomically, each in its own dtype.
    public static func write(tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws(CheckpointError) {
        try write(tensors.mapValues { SafetensorsTensorData($0) }, metadata: metadata, to: url)
    }
}
