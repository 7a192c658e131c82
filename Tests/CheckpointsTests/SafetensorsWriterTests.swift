import Foundation
import TestSupport
import Support
import Testing
@testable import Checkpoints

@Suite("Safetensors writer and sharded checkpoints")
struct SafetensorsWriterTests {
    private func temporaryURL(_ suffix: String = ".safetensors") -> URL {
        ScratchDirectory.root.appendingPathComponent("writer-\(UUID().uuidString)\(suffix)")
    }

    // Re-writing a file the reference wrote reproduces its layout, header and data; only the order of
    // `__metadata__` keys may differ (the reference keeps them in a hash map, so its order is arbitrary).
    @Test func rewriteIsByteIdenticalToReference() throws {
        let source = try fixtureURL("all_dtypes.safetensors")
        let file = try SafetensorsFile(url: source)
        var tensors: [String: SafetensorsTensorData] = [:]
        for name in file.tensorNames {
            let info = try file.info(name)
            tensors[name] = SafetensorsTensorData(dtype: info.dtype, shape: info.shape, bytes: try file.rawBytes(of: name))
        }
        let output = temporaryURL()
        defer { try? FileManager.default.removeItem(at: output) }
        try SafetensorsWriter.write(tensors, metadata: file.metadata, to: output)
        let (written, reference) = (try Data(contentsOf: output), try Data(contentsOf: source))
        #expect(written.count == reference.count)
        #expect(written.prefix(8) == reference.prefix(8))
        let headerEnd = 8 + Int(reference[0]) + Int(reference[1]) << 8
        #expect(try membersSorted(StrictJSON.parse(written[8..<headerEnd])) == membersSorted(StrictJSON.parse(reference[8..<headerEnd])))
        #expect(written[headerEnd...] == reference[headerEnd...])
    }

    // Every shard of the sharded fixture (one metadata key, so no ordering freedom) is reproduced byte for byte.
    @Test func shardsRewriteIdentically() throws {
        for shard in ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"] {
            let source = try fixtureURL("sharded/\(shard)")
            let file = try SafetensorsFile(url: source)
            var tensors: [String: SafetensorsTensorData] = [:]
            for name in file.tensorNames {
                let info = try file.info(name)
                tensors[name] = SafetensorsTensorData(dtype: info.dtype, shape: info.shape, bytes: try file.rawBytes(of: name))
            }
            let output = temporaryURL()
            defer { try? FileManager.default.removeItem(at: output) }
            try SafetensorsWriter.write(tensors, metadata: file.metadata, to: output)
            #expect(try Data(contentsOf: output) == Data(contentsOf: source))
        }
    }

    // Written float data reads back unchanged, and the header is 8-byte aligned.
    @Test func floatRoundTrip() throws {
        let output = temporaryURL()
        defer { try? FileManager.default.removeItem(at: output) }
        let values: [Float] = [1, -2.5, .pi, 0, 1e-30, -7]
        try SafetensorsWriter.write(["w\"eird\nname": SafetensorsTensorData(floats: values, shape: [2, 3])], to: output)
        let file = try SafetensorsFile(url: output)
        let (read, shape) = try file.floats("w\"eird\nname")
        #expect(read == values && shape == [2, 3])
        let bytes = try Data(contentsOf: output)
        #expect(bytes.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) } % 8 == 0)
    }

    // A payload whose size disagrees with its shape is refused before anything is written.
    @Test func rejectsInconsistentTensor() throws {
        let output = temporaryURL()
        #expect(throws: CheckpointError.self) {
            try SafetensorsWriter.write(["w": SafetensorsTensorData(dtype: .float32, shape: [3], bytes: Data(count: 8))], to: output)
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    // The index's weight_map routes each name to its shard, across dtypes.
    @Test func readsShardedCheckpoint() throws {
        let directory = try fixtureURL("sharded")
        let checkpoint = try SafetensorsCheckpoint(url: directory)
        #expect(checkpoint.files.count == 2)
        #expect(checkpoint.tensorNames == [
            "model.embed_tokens.weight", "model.layers.0.input_layernorm.weight",
            "model.layers.0.mlp.up_proj.weight", "model.norm.weight",
        ])
        #expect(try checkpoint.info("model.layers.0.mlp.up_proj.weight").dtype == .bfloat16)
        #expect(try checkpoint.floats("model.embed_tokens.weight").shape == [5, 4])
        #expect(try checkpoint.file(containing: "model.norm.weight").url.lastPathComponent == "model-00002-of-00002.safetensors")
        #expect(throws: CheckpointError.self) { try checkpoint.floats("model.missing") }
    }

    // An index naming a shard that lacks the tensor is an error naming both.
    @Test func rejectsIndexPointingAtWrongShard() throws {
        let directory = temporaryURL("")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try SafetensorsWriter.write(["a": SafetensorsTensorData(floats: [1], shape: [1])], to: directory.appendingPathComponent("one.safetensors"))
        try SafetensorsWriter.write(["b": SafetensorsTensorData(floats: [2], shape: [1])], to: directory.appendingPathComponent("two.safetensors"))
        let index = directory.appendingPathComponent(SafetensorsCheckpoint.indexFileName)
        try Data(#"{"weight_map":{"a":"two.safetensors","b":"two.safetensors"}}"#.utf8).write(to: index)
        #expect(throws: CheckpointError.missingShard(file: index.path, tensor: "a", shard: "two.safetensors")) {
            try SafetensorsCheckpoint(url: directory)
        }
        try Data(#"{"weight_map":{"a":"../one.safetensors"}}"#.utf8).write(to: index)
        #expect(throws: CheckpointError.self) { try SafetensorsCheckpoint(url: directory) }
        try Data(#"{"weight": 1}"#.utf8).write(to: index)
        #expect(throws: CheckpointError.self) { try SafetensorsCheckpoint(url: directory) }
        // Without an index, all files are merged and names must be disjoint.
        try FileManager.default.removeItem(at: index)
        #expect(try SafetensorsCheckpoint(url: directory).tensorNames == ["a", "b"])
        try SafetensorsWriter.write(["a": SafetensorsTensorData(floats: [3], shape: [1])], to: directory.appendingPathComponent("three.safetensors"))
        #expect(throws: CheckpointError.self) { try SafetensorsCheckpoint(url: directory) }
    }
}

/// `json` with every object's members sorted by key, so documents that differ only in member order compare equal.
private func membersSorted(_ json: StrictJSON) -> StrictJSON {
    switch json {
    case .object(let members):
        return .object(members.map { StrictJSON.Member(key: $0.key, value: membersSorted($0.value)) }.sorted { $0.key < $1.key })
    case .array(let items): return .array(items.map(membersSorted))
    default: return json
    }
}
