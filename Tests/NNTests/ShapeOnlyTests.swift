import Foundation
import TestSupport
import Testing
import Checkpoints
@testable import NN
@testable import Tensor

/// Models built shape-only cost no memory before `load`, and loading memory-mapped bf16 weights binds the
/// mapping itself: nothing is copied or widened, and the layers compute from the stored bf16.
@Suite("Shape-only models and zero-copy bf16 loading")
struct ShapeOnlyTests {
    /// Resident set size of this process in bytes.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    // A 1 GiB float32 layer built shape-only leaves the resident set where it was and reads as zeros.
    @Test func reservedLayersTakeNoMemory() {
        let before = Self.residentBytes()
        let layer = Linear(reserving: 16384, 16384, bias: true)
        let table = Embedding(reservingCount: 151_936, dimensions: 2048, dtype: .bfloat16)
        let grown = Self.residentBytes() - before
        #expect(layer.weight.shape == [16384, 16384] && table.weight.dtype == .bfloat16)
        #expect(grown < 64 << 20, "building 1.6 GB of shape-only weights grew the resident set by \(grown >> 20) MiB")
        #expect(layer.weight.sliced(axis: 0, start: 9000, end: 9001).scalars.allSatisfy { $0 == 0 })
    }

    // load() binds memory-mapped bf16 tensors as they are: same bytes, same dtype, and the layer's output
    // equals the float32 computation with the widened weights.
    @Test func mappedBFloat16LoadIsZeroCopy() throws {
        var random = RandomGenerator(seed: 21)
        let weight = random.normal([48, 40]).converted(to: .bfloat16), bias = random.normal([48]).converted(to: .bfloat16)
        let url = ScratchDirectory.root.appendingPathComponent("shape-only-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafetensorsWriter.write(tensors: ["weight": weight, "bias": bias], to: url)
        let file = try SafetensorsFile(url: url)
        let layer = Linear(reserving: 40, 48, bias: true, dtype: .bfloat16)
        try layer.load(weights: try file.allTensors(mapped: true))
        #expect(layer.weight.dtype == .bfloat16)
        #expect(layer.weight.baseAddress == (try file.mappedTensor("weight")).baseAddress)
        let x = random.normal([3, 40])
        let expected = x.matmul(weight.asFloat32.transposed()) + bias.asFloat32
        #expect(zip(layer(x).scalars, expected.scalars).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
    }
}
