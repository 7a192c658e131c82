// PyTorch archive tensors as engine tensors: each storage record becomes one engine `Storage` (memory-mapped
// when the engine stores the dtype natively, converted otherwise), and each tensor a strided view of it, so
// views that share a storage in PyTorch (a transpose, a slice with an offset) share it here too.
import Foundation
import Tensor

extension PyTorchArchive {
    /// Tensor `name` as a view of its storage; `mapped` borrows the file's mapping instead of copying
    /// (float64, int16, int8 and uint8 storages are always converted, as the safetensors bridge does).
    public func tensor(_ name: String, mapped: Bool = false) throws(PyTorchArchiveError) -> Tensor {
        var storages: [PyTorchStorageReference: Storage] = [:]
        return try tensor(try info(name), mapped: mapped, storages: &storages)
    }

    /// Every tensor, keyed by flattened name (what `Module.load(weights:)` takes). Tensors that share a
    /// storage in the archive share one engine storage.
    public func allTensors(mapped: Bool = false) throws(PyTorchArchiveError) -> [String: Tensor] {
        var storages: [PyTorchStorageReference: Storage] = [:]
        var result: [String: Tensor] = [:]
        for name in tensorNames { result[name] = try tensor(try info(name), mapped: mapped, storages: &storages) }
        return result
    }

    private func tensor(_ info: PyTorchTensorInfo, mapped: Bool,
                        storages: inout [PyTorchStorageReference: Storage]) throws(PyTorchArchiveError) -> Tensor {
        let engineType = info.dtype.engineDType
        do { _ = try TensorLayout(shape: info.shape, elementSize: engineType.byteCount) } catch {
            throw .invalidTensor(file: url.path, tensor: info.name, reason: "shape \(info.shape) cannot be laid out: \(error)")
        }
        let storage: Storage
        if let cached = storages[info.storage] {
            storage = cached
        } else {
            storage = engineStorage(info.storage, mapped: mapped)
            storages[info.storage] = storage
        }
        return Tensor(storage: storage, shape: info.shape, strides: info.strides, offset: info.storageOffset, dtype: engineType)
    }

    private func engineStorage(_ reference: PyTorchStorageReference, mapped: Bool) -> Storage {
        let engineType = reference.dtype.engineDType
        let native = reference.dtype.byteSize == engineType.byteCount
        return withStorageBytes(reference) { source in
            if native, mapped, let base = source.baseAddress, Int(bitPattern: base) % engineType.byteCount == 0 {
                // Engine ops never write into their inputs, so the read-only mapping is safe to share.
                return Storage(borrowing: UnsafeMutableRawPointer(mutating: base), byteCount: source.count, owner: self)
            }
            let count = reference.elementCount
            let storage = Storage(byteCount: count * engineType.byteCount, zeroed: false)
            guard count > 0, let base = source.baseAddress else { return storage }
            switch reference.dtype {
            case .float32, .float16, .bfloat16, .int64, .int32, .bool:
                storage.bytes.copyMemory(from: base, byteCount: source.count)
            case .float64:
                let destination = storage.bytes.assumingMemoryBound(to: Float.self)
                for index in 0..<count { destination[index] = Float(source.loadUnaligned(fromByteOffset: index * 8, as: Double.self)) }
            case .int16, .int8, .uint8:
                let destination = storage.bytes.assumingMemoryBound(to: Int32.self)
                for (index, value) in ElementConversion.integers(from: source, dtype: reference.dtype, count: count).enumerated() {
                    destination[index] = Int32(value)
                }
            }
            return storage
        }
    }
}
