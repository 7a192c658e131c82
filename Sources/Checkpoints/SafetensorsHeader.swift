// Mirrors safetensors' header validation (safetensors/src/tensor.rs `Metadata::validate`):
// known dtypes, shape × dtype size equal to the byte span, tensors tiling the data section exactly.
// The JSON is read as serde_json reads it (Support.StrictJSON): integers only where the reference wants a
// `usize`, so `24.0`, `2.4e1` and `-0` are refused, as are a byte-order mark and a field repeated inside a
// tensor entry. Where the reference quietly keeps the last of two entries (a tensor name or a
// `__metadata__` key written twice) we refuse the file instead: no writer produces such a header, and a
// file that two tools read differently is how a reviewed checkpoint hides different weights.
// The accept/refuse table in Tests/CheckpointsTests/Fixtures/safetensors_parity checks all of this.
import Foundation
import Support

/// A parsed and validated safetensors JSON header (package-visible for the fuzz entry points).
package struct SafetensorsHeader {
    package var metadata: [String: String]
    package var tensors: [String: SafetensorsTensorInfo]
    package var orderedNames: [String]

    /// Parses `header` (the JSON bytes) and checks every tensor against a data section of `dataSize` bytes.
    package static func parse(_ header: Data, file: String, dataSize: Int) throws(CheckpointError) -> SafetensorsHeader {
        let document: StrictJSON
        do {
            document = try StrictJSON.parse(header)
        } catch {
            throw .invalidHeader(file: file, reason: "not valid JSON (\(error))")
        }
        guard let members = document.members else {
            throw .invalidHeader(file: file, reason: "the header is not a JSON object")
        }
        if let repeated = document.firstDuplicateKey {
            throw .invalidHeader(file: file, reason: "the key '\(repeated)' appears more than once")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: SafetensorsTensorInfo] = [:]
        for member in members {
            if member.key == "__metadata__" {
                metadata = try parseMetadata(member.value, file: file)
            } else {
                tensors[member.key] = try parseEntry(member.value, name: member.key, file: file, dataSize: dataSize)
            }
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

    /// `__metadata__`: an object of strings, or null (which the reference reads as no metadata).
    private static func parseMetadata(_ value: StrictJSON, file: String) throws(CheckpointError) -> [String: String] {
        if value == .null { return [:] }
        guard let members = value.members else {
            throw .invalidHeader(file: file, reason: "__metadata__ is not an object of strings")
        }
        if let repeated = value.firstDuplicateKey {
            throw .invalidHeader(file: file, reason: "__metadata__ key '\(repeated)' appears more than once")
        }
        var metadata: [String: String] = [:]
        for member in members {
            guard let string = member.value.stringValue else {
                throw .invalidHeader(file: file, reason: "__metadata__ value for '\(member.key)' is \(member.value.kindDescription), not a string")
            }
            metadata[member.key] = string
        }
        return metadata
    }

    private static func parseEntry(_ value: StrictJSON, name: String, file: String, dataSize: Int) throws(CheckpointError) -> SafetensorsTensorInfo {
        func invalid(_ reason: String) -> CheckpointError { .invalidTensorEntry(file: file, tensor: name, reason: reason) }
        guard value.members != nil else { throw invalid("\(value.kindDescription), not a JSON object") }
        if let repeated = value.firstDuplicateKey { throw invalid("the field '\(repeated)' appears more than once") }
        guard let dtypeName = value["dtype"]?.stringValue else { throw invalid("missing or non-string 'dtype'") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw .unknownDType(file: file, tensor: name, dtype: dtypeName)
        }
        guard let shapeValues = value["shape"]?.arrayValue else { throw invalid("missing or non-array 'shape'") }
        var shape: [Int] = []
        for dimension in shapeValues {
            shape.append(try size(dimension, of: "shape", invalid))
        }
        guard let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2 else {
            throw invalid("'data_offsets' must be an array of two integers")
        }
        let begin = try size(offsets[0], of: "data_offsets", invalid)
        let end = try size(offsets[1], of: "data_offsets", invalid)
        guard begin <= end, end <= dataSize else {
            throw .offsetsOutsideData(file: file, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        // As the reference: the element count folds left with overflow checks, so [0, 2^62, 8] is
        // a valid empty tensor while [2^62, 8, 0] overflows before reaching the 0.
        var elements = 1
        for dimension in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw invalid("shape \(shape) overflows computing the element count") }
            elements = product
        }
        let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow else { throw invalid("shape \(shape) of \(dtypeName) overflows computing the byte size") }
        guard expected == end - begin else {
            throw .sizeMismatch(file: file, tensor: name, shape: shape, dtype: dtypeName, expectedBytes: expected, foundBytes: end - begin)
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// A `usize` field: an integer lexeme, non-negative. The reference takes up to 2^64 - 1; we stop at
    /// Int.max, which no real size reaches.
    private static func size(_ value: StrictJSON, of field: String, _ invalid: (String) -> CheckpointError) throws(CheckpointError) -> Int {
        guard let size = value.serdeInteger(UInt64.self) else {
            throw invalid("'\(field)' entry is \(value.kindDescription), expected a non-negative integer")
        }
        guard let exact = Int(exactly: size) else {
            throw invalid("'\(field)' entry \(size) is larger than \(Int.max)")
        }
        return exact
    }
}
