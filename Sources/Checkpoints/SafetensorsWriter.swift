// Mirrors safetensors' writer (safetensors/src/tensor.rs `prepare` + `serialize_to_file`): tensors sorted by
// descending dtype then name, compact JSON header with `__metadata__` first, padded with spaces to 8 bytes.
import Foundation
import Support

/// One tensor to be written: raw little-endian bytes plus dtype and shape.
public struct SafetensorsTensorData: Sendable, Equatable {
    public var dtype: SafetensorsDType
    public var shape: [Int]
    public var bytes: Data

    public init(dtype: SafetensorsDType, shape: [Int], bytes: Data) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A float32 tensor from values and shape.
    public init(floats values: [Float], shape: [Int]) {
        self.init(dtype: .float32, shape: shape, bytes: values.withUnsafeBytes { Data($0) })
    }
}

/// Writes safetensors files byte-identical to the reference writer's output.
public enum SafetensorsWriter {
    /// The complete file contents for `tensors` and `metadata`; validates every shape against its bytes.
    public static func serialize(
        _ tensors: [String: SafetensorsTensorData], metadata: [String: String] = [:]
    ) throws(CheckpointError) -> (header: Data, order: [String]) {
        for (name, tensor) in tensors {
            if name == "__metadata__" { throw .invalidTensorData(tensor: name, reason: "the name is reserved for metadata") }
            guard tensor.shape.allSatisfy({ $0 >= 0 }) else {
                throw .invalidTensorData(tensor: name, reason: "negative dimension in shape \(tensor.shape)")
            }
            let expected = tensor.shape.reduce(1, *) * tensor.dtype.byteSize
            guard expected == tensor.bytes.count else {
                throw .invalidTensorData(tensor: name, reason: "shape \(tensor.shape) of \(tensor.dtype.rawValue) needs \(expected) bytes, got \(tensor.bytes.count)")
            }
        }
        let order = tensors.keys.sorted { left, right in
            let (leftRank, rightRank) = (tensors[left]!.dtype.referenceRank, tensors[right]!.dtype.referenceRank)
            if leftRank != rightRank { return leftRank > rightRank }
            return Array(left.utf8).lexicographicallyPrecedes(Array(right.utf8))
        }
        var members: [String] = []
        if !metadata.isEmpty {
            let entries = metadata.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                .map { "\(SerdeJSON.string($0)):\(SerdeJSON.string(metadata[$0]!))" }
            members.append("\"__metadata__\":{\(entries.joined(separator: ","))}")
        }
        var offset = 0
        for name in order {
            let tensor = tensors[name]!
            let end = offset + tensor.bytes.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            members.append("\(SerdeJSON.string(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(members.joined(separator: ","))}".utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var length = UInt64(header.count).littleEndian
        var result = Data(bytes: &length, count: 8)
        result.append(contentsOf: header)
        return (result, order)
    }

    /// Writes `tensors` to `url` atomically (temporary file, then rename).
    public static func write(
        _ tensors: [String: SafetensorsTensorData], metadata: [String: String] = [:], to url: URL
    ) throws(CheckpointError) {
        let (header, order) = try serialize(tensors, metadata: metadata)
        do {
            try AtomicFile.write(to: url) { handle in
                try handle.write(contentsOf: header)
                for name in order { try handle.write(contentsOf: tensors[name]!.bytes) }
            }
        } catch {
            throw .writeFailed(file: url.path, reason: "\(error)")
        }
    }
}
