import Foundation
import TestSupport
import Tensor
import Testing
@testable import Checkpoints

@Suite("Safetensors ↔ Tensor bridge")
struct TensorBridgeTests {
    // Every dtype loads into the engine with its values: native types bit for bit, F64 narrowed, small ints widened.
    @Test func loadsEveryDType() throws {
        let file = try SafetensorsFile(url: fixtureURL("all_dtypes.safetensors"))
        for name in ["f32", "f16", "bf16", "f64"] {
            let tensor = try file.tensor(name)
            #expect(tensor.shape == file.tensors[name]!.shape)
            #expect(tensor.converted(to: .float32).scalars.map(\.bitPattern) == (try file.floats(name).values.map(\.bitPattern)), "\(name)")
        }
        #expect(try file.tensor("f16").dtype == .float16 && file.tensor("bf16").dtype == .bfloat16 && file.tensor("f64").dtype == .float32)
        #expect(try file.tensor("i64").int64Scalars == [-(1 << 40), -1, 0, 1, 1 << 40, 7])
        for name in ["i32", "i16", "i8", "u8"] {
            let tensor = try file.tensor(name)
            #expect(tensor.dtype == .int32)
            #expect(tensor.converted(to: .int64).int64Scalars.map(Int.init) == (try file.integers(name).values), "\(name)")
        }
        #expect(try file.tensor("bool").boolScalars == [true, false, true])
        #expect(try file.tensor("scalar").shape == [] && file.tensor("empty").shape == [0, 3])
    }

    // Engine tensors of every dtype written by the writer read back identical (views are made contiguous).
    @Test func writesEngineTensors() throws {
        let file = try SafetensorsFile(url: fixtureURL("all_dtypes.safetensors"))
        var tensors = try file.allTensors()
        tensors["transposed"] = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).transposed()
        let url = ScratchDirectory.root.appendingPathComponent("bridge-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafetensorsWriter.write(tensors: tensors, to: url)
        let reread = try SafetensorsFile(url: url)
        #expect(try reread.floats("transposed").values == [1, 4, 2, 5, 3, 6])
        for name in ["f16", "bf16", "i64", "bool", "i32"] {
            #expect(reread.tensors[name]!.dtype == file.tensors[name]!.dtype, "\(name)")
            #expect(try reread.rawBytes(of: name) == file.rawBytes(of: name), "\(name)")
        }
    }

    // A sharded checkpoint yields all its tensors for loading.
    @Test func loadsShardedTensors() throws {
        let checkpoint = try SafetensorsCheckpoint(url: fixtureURL("sharded"))
        let tensors = try checkpoint.allTensors()
        #expect(tensors.keys.sorted() == checkpoint.tensorNames)
        #expect(tensors["model.layers.0.mlp.up_proj.weight"]!.dtype == .bfloat16)
    }
}

@Suite("Mapped tensors and key renames")
struct MappedTensorTests {
    // A mapped tensor shares the file's bytes yet reads the same values as a copied one.
    @Test func mappedEqualsCopied() throws {
        let file = try SafetensorsFile(url: fixtureURL("all_dtypes.safetensors"))
        for name in ["f32", "bf16", "f16", "i64", "bool", "f64", "i8", "empty"] {
            let mapped = try file.mappedTensor(name), copied = try file.tensor(name)
            #expect(mapped.dtype == copied.dtype && mapped.shape == copied.shape, "\(name)")
            #expect(mapped.converted(to: .float32).scalars == copied.converted(to: .float32).scalars, "\(name)")
        }
        let weight = try file.mappedTensor("f32")
        #expect((weight * 2).scalars == (try file.floats("f32").values.map { $0 * 2 }))
    }
}
