import Foundation
import TestSupport
import Testing
@testable import Checkpoints

/// Builds a safetensors file from a raw header string and data bytes, for malformed-input tests.
func makeSafetensors(header: String, data: [UInt8] = [], headerLength: UInt64? = nil) throws -> URL {
    let headerBytes = Array(header.utf8)
    var bytes: [UInt8] = []
    let length = headerLength ?? UInt64(headerBytes.count)
    for index in 0..<8 { bytes.append(UInt8((length >> (8 * UInt64(index))) & 0xFF)) }
    bytes += headerBytes + data
    let url = ScratchDirectory.root
        .appendingPathComponent("safetensors-test-\(UUID().uuidString).safetensors")
    try Data(bytes).write(to: url)
    return url
}

func fixtureURL(_ path: String) throws -> URL {
    try #require(Bundle.module.url(forResource: "Fixtures/\(path)", withExtension: nil))
}

@Suite("Safetensors reader")
struct SafetensorsReaderTests {
    // Every dtype the reference writer produces is parsed with the right dtype and shape.
    @Test func readsEveryDTypeAndShape() throws {
        let file = try SafetensorsFile(url: fixtureURL("all_dtypes.safetensors"))
        let expected: [String: (SafetensorsDType, [Int])] = [
            "f64": (.float64, [2, 9]), "f32": (.float32, [3, 6]), "f16": (.float16, [18]), "bf16": (.bfloat16, [6, 3]),
            "i64": (.int64, [2, 3]), "i32": (.int32, [4]), "i16": (.int16, [3]), "i8": (.int8, [4]),
            "u8": (.uint8, [4]), "bool": (.bool, [3]), "scalar": (.float32, []), "empty": (.float32, [0, 3]),
        ]
        for (name, (dtype, shape)) in expected {
            let info = try file.info(name)
            #expect(info.dtype == dtype, "\(name)")
            #expect(info.shape == shape, "\(name)")
        }
        #expect(file.metadata["producer"] == "scripts/fixtures/checkpoints.py")
        #expect(file.tensorNames.count == 15)
    }

    // Half, bfloat16 and double tensors widen to exactly the float32 values torch computes.
    @Test func convertsFloatsExactlyLikeTorch() throws {
        let file = try SafetensorsFile(url: fixtureURL("all_dtypes.safetensors"))
        for name in ["f64", "f16", "bf16"] {
            let (values, shape) = try file.floats(name)
            let (reference, referenceShape) = try file.floats("\(name)_as_f32")
            #expect(shape == referenceShape)
            #expect(values.map(\.bitPattern) == reference.map(\.bitPattern), "\(name)")
        }
        let (scalar, scalarShape) = try file.floats("scalar")
        #expect(scalar == [4.25] && scalarShape == [])
        let (empty, emptyShape) = try file.floats("empty")
        #expect(empty.isEmpty && emptyShape == [0, 3])
    }

    // Integer and boolean tensors decode to their exact values, sign included.
    @Test func decodesIntegers() throws {
        let file = try SafetensorsFile(url: fixtureURL("all_dtypes.safetensors"))
        #expect(try file.integers("i64").values == [-(1 << 40), -1, 0, 1, 1 << 40, 7])
        #expect(try file.integers("i32").values == [Int(Int32.min), -5, 0, Int(Int32.max)])
        #expect(try file.integers("i16").values == [-32768, -1, 32767])
        #expect(try file.integers("i8").values == [-128, -1, 0, 127])
        #expect(try file.integers("u8").values == [0, 1, 200, 255])
        #expect(try file.integers("bool").values == [1, 0, 1])
    }

    // Raw bytes are the tensor's little-endian payload and match the copying accessor.
    @Test func rawBytesMatchPayload() throws {
        let file = try SafetensorsFile(url: fixtureURL("all_dtypes.safetensors"))
        let copied = try file.rawBytes(of: "i16")
        let viewed = try file.withRawBytes(of: "i16") { Data($0) }
        #expect(copied == viewed)
        #expect(Array(copied) == [0x00, 0x80, 0xFF, 0xFF, 0xFF, 0x7F])
    }

    // Asking for a missing tensor or the wrong kind of dtype is a typed error naming it.
    @Test func rejectsMissingTensorAndWrongDType() throws {
        let file = try SafetensorsFile(url: fixtureURL("all_dtypes.safetensors"))
        #expect(throws: CheckpointError.tensorNotFound(file: file.url.path, tensor: "nope")) { try file.floats("nope") }
        #expect(throws: CheckpointError.self) { try file.floats("i32") }
        #expect(throws: CheckpointError.self) { try file.integers("f32") }
    }
}

@Suite("Safetensors validation")
struct SafetensorsValidationTests {
    private func expectError(_ header: String, data: [UInt8] = [], headerLength: UInt64? = nil,
                             _ matches: (CheckpointError, String) -> Bool) throws {
        let url = try makeSafetensors(header: header, data: data, headerLength: headerLength)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try SafetensorsFile(url: url)
            Issue.record("expected an error for header \(header)")
        } catch {
            #expect(matches(error, url.path), "\(error)")
            #expect(error.description.contains(url.path))
        }
    }

    // A file shorter than 8 bytes cannot even hold the header length.
    @Test func rejectsTruncatedFile() throws {
        let url = ScratchDirectory.root.appendingPathComponent("short-\(UUID().uuidString)")
        try Data([1, 2, 3]).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: CheckpointError.truncatedHeaderLength(file: url.path, fileSize: 3)) { try SafetensorsFile(url: url) }
    }

    // A missing file is an open error, not a crash.
    @Test func rejectsMissingFile() {
        #expect(throws: CheckpointError.self) { try SafetensorsFile(url: URL(fileURLWithPath: "/nonexistent/x.safetensors")) }
    }

    // A header length pointing past the end of the file is reported, never read.
    @Test func rejectsHeaderLengthPastEnd() throws {
        try expectError("{}", headerLength: 1 << 40) { error, _ in
            if case .headerLengthPastEnd(_, let length, _) = error { return length == 1 << 40 }
            return false
        }
    }

    // Bytes that are not JSON, or JSON that is not an object, are header errors.
    @Test func rejectsBadJSON() throws {
        try expectError("{\"a\": [1, 2") { error, _ in if case .invalidHeader = error { return true }; return false }
        try expectError("[1, 2]") { error, _ in if case .invalidHeader = error { return true }; return false }
    }

    // Unknown dtypes name the tensor and the dtype.
    @Test func rejectsUnknownDType() throws {
        try expectError(#"{"w":{"dtype":"F7","shape":[1],"data_offsets":[0,1]}}"#, data: [0]) { error, path in
            error == .unknownDType(file: path, tensor: "w", dtype: "F7")
        }
    }

    // Offsets beyond the data section are rejected before any byte is touched.
    @Test func rejectsOffsetsOutsideData() throws {
        try expectError(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]) { error, path in
            error == .offsetsOutsideData(file: path, tensor: "w", begin: 0, end: 8, dataSize: 4)
        }
        try expectError(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]) { error, _ in
            if case .offsetsOutsideData = error { return true }; return false
        }
    }

    // A byte span that disagrees with shape × dtype size is a size mismatch.
    @Test func rejectsShapeSizeMismatch() throws {
        try expectError(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8)) { error, path in
            error == .sizeMismatch(file: path, tensor: "w", shape: [3], dtype: "F32", expectedBytes: 12, foundBytes: 8)
        }
    }

    // Two tensors sharing bytes are reported by name.
    @Test func rejectsOverlap() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        try expectError(header, data: Array(repeating: 0, count: 12)) { error, path in
            error == .overlappingTensors(file: path, first: "a", second: "b")
        }
    }

    // Data not covered by any tensor (a gap or trailing bytes) is rejected, as the reference does.
    @Test func rejectsUncoveredData() throws {
        try expectError(#"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#, data: [1, 2, 3]) { error, path in
            error == .uncoveredData(file: path, begin: 2, end: 3)
        }
        try expectError(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#, data: [1, 2]) { error, path in
            error == .uncoveredData(file: path, begin: 0, end: 1)
        }
    }

    // Malformed entries (fractional or negative shape, missing fields, non-string metadata) are entry errors.
    @Test func rejectsMalformedEntries() throws {
        for header in [
            #"{"w":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}"#,
            #"{"w":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}"#,
            #"{"w":{"dtype":"U8","shape":[1]}}"#,
            #"{"w":{"shape":[1],"data_offsets":[0,1]}}"#,
            #"{"w":3}"#,
        ] {
            try expectError(header, data: [0]) { error, path in
                if case .invalidTensorEntry(let file, let tensor, _) = error { return file == path && tensor == "w" }
                return false
            }
        }
        try expectError(#"{"__metadata__":{"a":1}}"#) { error, _ in if case .invalidHeader = error { return true }; return false }
    }
}
