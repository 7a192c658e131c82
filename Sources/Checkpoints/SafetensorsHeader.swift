// Mirrors safetensors' header validation (safetensors/src/tensor.rs `Metadata::validate`):
// known dtypes, shape × dtype size equal to the byte span, tensors tiling the data section exactly.
import Foundation

/// A parsed and validated safetensors JSON header.
struct SafetensorsHeader {
    var metadata: [String: String]
    var tensors: [String: SafetensorsTensorInfo]
    var orderedNames: [String]

    /// Parses `header` (the JSON bytes) and checks every tensor against a data section of `dataSize` bytes.
    static func parse(_ header: Data, file: String, dataSize: Int) throws(CheckpointError) -> SafetensorsHeader {
        let object: JSONValue
        do {
            object = try JSONValue.parse(header)
        } catch {
            throw .invalidHeader(file: file, reason: "not valid JSON (\(error.reason))")
        }
        guard let dictionary = object.objectValue else {
            throw .invalidHeader(file: file, reason: "the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: SafetensorsTensorInfo] = [:]
        for (name, value) in dictionary {
            if name == "__metadata__" {
                guard let map = value.objectValue else {
                    throw .invalidHeader(file: file, reason: "__metadata__ is not an object of strings")
                }
                for (key, entry) in map {
                    guard let string = entry.stringValue else {
                        throw .invalidHeader(file: file, reason: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = string
                }
                continue
            }
            tensors[name] = try parseEntry(value, name: name, file: file, dataSize: dataSize)
        }
        let ordered = tensors.values.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        // The tensors must tile [0, dataSize): no overlap and no gap, as the reference demands.
        var cursor = 0
        var previous: String?
        for info in ordered {
            if info.dataOffsets.lowerBound < cursor, let previous {
                throw .overlappingTensors(file: file, first: previous, second: info.name)
            }
            if info.dataOffsets.lowerBound > cursor {
                throw .uncoveredData(file: file, begin: cursor, end: info.dataOffsets.lowerBound)
            }
            cursor = info.dataOffsets.upperBound
            previous = info.name
        }
        if cursor != dataSize { throw .uncoveredData(file: file, begin: cursor, end: dataSize) }
        return SafetensorsHeader(metadata: metadata, tensors: tensors, orderedNames: ordered.map(\.name))
    }

    private static func parseEntry(_ value: JSONValue, name: String, file: String, dataSize: Int) throws(CheckpointError) -> SafetensorsTensorInfo {
        guard let entry = value.objectValue else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "not a JSON object")
        }
        guard let dtypeName = entry["dtype"]?.stringValue else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "missing or non-string 'dtype'")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw .unknownDType(file: file, tensor: name, dtype: dtypeName)
        }
        guard let shapeValues = entry["shape"]?.arrayValue else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "missing or non-array 'shape'")
        }
        var shape: [Int] = []
        var elements = 1
        for dimension in shapeValues {
            guard let size = dimension.integerValue, size >= 0 else {
                throw .invalidTensorEntry(file: file, tensor: name, reason: "shape entry \(dimension) is not a non-negative integer")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else { throw .invalidTensorEntry(file: file, tensor: name, reason: "shape \(shapeValues) overflows") }
            elements = product
            shape.append(size)
        }
        guard let offsets = entry["data_offsets"]?.arrayValue, offsets.count == 2,
              let begin = offsets[0].integerValue, let end = offsets[1].integerValue else {
            throw .invalidTensorEntry(file: file, tensor: name, reason: "'data_offsets' must be two integers")
        }
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw .offsetsOutsideData(file: file, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, expected == end - begin else {
            throw .sizeMismatch(file: file, tensor: name, shape: shape, dtype: dtypeName,
                                expectedBytes: overflow ? Int.max : expected, foundBytes: end - begin)
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }
}
