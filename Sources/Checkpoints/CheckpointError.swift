// Errors of the Checkpoints target: every case names the file (and tensor or key) at fault.
import Foundation

/// Everything that can go wrong reading or writing checkpoints and configs.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotOpen(file: String, reason: String)
    case truncatedHeaderLength(file: String, fileSize: Int)
    case headerLengthPastEnd(file: String, headerLength: UInt64, fileSize: Int)
    case invalidHeader(file: String, reason: String)
    case invalidTensorEntry(file: String, tensor: String, reason: String)
    case unknownDType(file: String, tensor: String, dtype: String)
    case offsetsOutsideData(file: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    case sizeMismatch(file: String, tensor: String, shape: [Int], dtype: String, expectedBytes: Int, foundBytes: Int)
    case overlappingTensors(file: String, first: String, second: String)
    case uncoveredData(file: String, begin: Int, end: Int)
    case tensorNotFound(file: String, tensor: String)
    case wrongDType(file: String, tensor: String, dtype: String, expected: String)
    case invalidIndex(file: String, reason: String)
    case missingShard(file: String, tensor: String, shard: String)
    case duplicateTensor(tensor: String, files: [String])
    case invalidTensorData(tensor: String, reason: String)
    case unloadableShape(file: String, tensor: String, reason: String)
    case writeFailed(file: String, reason: String)
    case invalidConfig(file: String, key: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            return "\(file): cannot open: \(reason)"
        case .truncatedHeaderLength(let file, let size):
            return "\(file): file is \(size) bytes, too short for the 8-byte safetensors header length"
        case .headerLengthPastEnd(let file, let length, let size):
            return "\(file): header length \(length) runs past the end of the \(size)-byte file"
        case .invalidHeader(let file, let reason):
            return "\(file): invalid safetensors header: \(reason)"
        case .invalidTensorEntry(let file, let tensor, let reason):
            return "\(file): tensor '\(tensor)': invalid header entry: \(reason)"
        case .unknownDType(let file, let tensor, let dtype):
            return "\(file): tensor '\(tensor)': unknown dtype '\(dtype)'"
        case .offsetsOutsideData(let file, let tensor, let begin, let end, let size):
            return "\(file): tensor '\(tensor)': data offsets [\(begin), \(end)) lie outside the \(size)-byte data section"
        case .sizeMismatch(let file, let tensor, let shape, let dtype, let expected, let found):
            return "\(file): tensor '\(tensor)': shape \(shape) of \(dtype) needs \(expected) bytes but its offsets span \(found)"
        case .overlappingTensors(let file, let first, let second):
            return "\(file): tensors '\(first)' and '\(second)' overlap"
        case .uncoveredData(let file, let begin, let end):
            return "\(file): data bytes [\(begin), \(end)) belong to no tensor"
        case .tensorNotFound(let file, let tensor):
            return "\(file): no tensor named '\(tensor)'"
        case .wrongDType(let file, let tensor, let dtype, let expected):
            return "\(file): tensor '\(tensor)' has dtype \(dtype), expected \(expected)"
        case .invalidIndex(let file, let reason):
            return "\(file): invalid safetensors index: \(reason)"
        case .missingShard(let file, let tensor, let shard):
            return "\(file): tensor '\(tensor)' is mapped to shard '\(shard)', which does not contain it"
        case .duplicateTensor(let tensor, let files):
            return "tensor '\(tensor)' appears in several files: \(files.joined(separator: ", "))"
        case .invalidTensorData(let tensor, let reason):
            return "tensor '\(tensor)': \(reason)"
        case .unloadableShape(let file, let tensor, let reason):
            return "\(file): tensor '\(tensor)' cannot be loaded: \(reason)"
        case .writeFailed(let file, let reason):
            return "\(file): write failed: \(reason)"
        case .invalidConfig(let file, let key, let reason):
            return "\(file): key '\(key)': \(reason)"
        }
    }
}
