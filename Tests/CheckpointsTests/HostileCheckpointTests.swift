// The reproducers of issue 17 for checkpoints, rebuilt from its description: each must end in a clean
// error or a correct load, well under a second, never a trap or a hang.
import Foundation
import Tensor
import Testing
import TestSupport
@testable import Checkpoints

@Suite("Hostile checkpoints")
struct HostileCheckpointTests {
    // [0, 2^62, 8] is a valid empty tensor to the reference reader: the file opens, and the engine refuses
    // to lay it out (its strides overflow 64 bits, as torch says "Stride calculation overflowed").
    @Test func zeroElementTensorWithHugeShape() throws {
        let url = try makeSafetensors(header: #"{"z":{"dtype":"F32","shape":[0,4611686018427387904,8],"data_offsets":[0,0]}}"#)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafetensorsFile(url: url)
        #expect(try file.info("z").shape == [0, 4_611_686_018_427_387_904, 8])
        #expect(try file.floats("z").values.isEmpty)
        #expect(throws: CheckpointError.self) { try file.tensor("z") }
        #expect(throws: CheckpointError.self) { try file.mappedTensor("z") }
        do { _ = try file.tensor("z") } catch {
            #expect("\(error)".contains("tensor 'z' cannot be loaded: shape [0, 4611686018427387904, 8] is too large"))
        }
    }

    // Rank 65 with dimensions of 2 overflows the strides too; rank 65 of ones is an ordinary empty tensor.
    @Test func rank65Shapes() throws {
        let twos = [0] + Array(repeating: 2, count: 64), ones = [0] + Array(repeating: 1, count: 64)
        let url = try makeSafetensors(header: #"{"twos":{"dtype":"F32","shape":\#(twos),"data_offsets":[0,0]},"ones":{"dtype":"I64","shape":\#(ones),"data_offsets":[0,0]}}"#)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafetensorsFile(url: url)
        #expect(throws: CheckpointError.self) { try file.tensor("twos") }
        let empty = try file.tensor("ones")
        #expect(empty.shape == ones && empty.elementCount == 0 && empty.dtype == .int64)
    }

    // A named pipe as the checkpoint file, as an entry of a checkpoint directory, as a shard named by the
    // index and as the index itself: refused at once as "not a regular file (named pipe)".
    @Test func namedPipesAreRefused() throws {
        let single = try NamedPipeFixture(name: "model.safetensors")
        expectNamedPipeRefused(single) { try SafetensorsFile(url: single.url) }
        expectNamedPipeRefused(single) { try SafetensorsCheckpoint(url: single.url) }
        // A directory of plain *.safetensors files, one of which is a pipe.
        expectNamedPipeRefused(single) { try SafetensorsCheckpoint(url: single.directory) }

        let shard = try NamedPipeFixture(name: "model-00001-of-00001.safetensors")
        let index = shard.directory.appendingPathComponent(SafetensorsCheckpoint.indexFileName)
        try Data(#"{"weight_map":{"w":"model-00001-of-00001.safetensors"}}"#.utf8).write(to: index)
        expectNamedPipeRefused(shard) { try SafetensorsCheckpoint(url: shard.directory) }

        let indexPipe = try NamedPipeFixture(name: SafetensorsCheckpoint.indexFileName)
        expectNamedPipeRefused(indexPipe) { try SafetensorsCheckpoint(url: indexPipe.directory) }

        let config = try NamedPipeFixture(name: "config.json")
        expectNamedPipeRefused(config) { try CLIPConfiguration.load(from: config.directory) }
    }

    @Test func devicesAreRefused() {
        #expect(throws: CheckpointError.cannotOpen(file: "/dev/zero", reason: "not a regular file (character device)")) {
            try SafetensorsFile(url: URL(fileURLWithPath: "/dev/zero"))
        }
        #expect(throws: CheckpointError.cannotOpen(file: "/dev/null", reason: "not a regular file (character device)")) {
            try CLIPConfiguration.load(from: URL(fileURLWithPath: "/dev/null"))
        }
    }

    // Python's json keeps the last of two equal keys; a tensor mapped to two shards is refused instead.
    @Test func indexWithRepeatedTensorIsRefused() throws {
        let directory = ScratchDirectory.root.appendingPathComponent("index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"weight_map":{"w":"a.safetensors","w":"b.safetensors"}}"#.utf8)
            .write(to: directory.appendingPathComponent(SafetensorsCheckpoint.indexFileName))
        #expect(throws: CheckpointError.self) { try SafetensorsCheckpoint(url: directory) }
    }

    // config.json is read by Python's json (last value wins) in transformers and by JSONDecoder (first value
    // wins) here: a key written twice, at any depth, is refused and named.
    @Test func configWithRepeatedKeyIsRefused() {
        let json = #"{"text_config":{"hidden_size":512,"hidden_size":768}}"#
        #expect(throws: CheckpointError.invalidConfig(file: "config.json", key: "text_config.hidden_size", reason: "written more than once")) {
            try CLIPConfiguration.decode(from: Data(json.utf8), file: "config.json")
        }
    }

    private func expectNamedPipeRefused<T>(_ pipe: NamedPipeFixture, sourceLocation: SourceLocation = #_sourceLocation,
                                           _ body: () throws -> T) {
        let started = Date()
        let (error, timedOut) = pipe.withWatchdog { () -> CheckpointError? in
            do { _ = try body(); return nil } catch let error as CheckpointError { return error } catch { return nil }
        }
        #expect(!timedOut, "reading the named pipe blocked", sourceLocation: sourceLocation)
        #expect(error == .cannotOpen(file: pipe.path, reason: "not a regular file (named pipe)"), sourceLocation: sourceLocation)
        #expect(Date().timeIntervalSince(started) < 1, sourceLocation: sourceLocation)
    }
}
