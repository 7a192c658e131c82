import CKernels
import Tensor
import Testing

/// Applies a table to x [batch = 1, positions, heads, dim] through the C kernel.
func applyRotary(_ x: [Float], table: RotaryTable, heads: Int, dim: Int, inverse: Bool) -> [Float] {
    var y = [Float](repeating: .nan, count: x.count)
    let strides: [Int64] = [Int64(table.positions * heads * dim), Int64(heads * dim), Int64(dim)]
    let layout = table.layout == .rotateHalf ? VANS_ROTARY_HALF : VANS_ROTARY_INTERLEAVED
    vans_rotary_apply(x, strides, &y, strides, table.cosine, table.sine, 0, Int64(table.positions), Int64(heads), Int64(dim),
                      layout, inverse ? 1 : 0, 0, Int64(table.positions))
    return y
}

/// Permutes [1, heads, positions, dim] to [1, positions, heads, dim].
func swapHeadsAndPositions(_ x: [Float], heads: Int, positions: Int, dim: Int) -> [Float] {
    var y = [Float](repeating: 0, count: x.count)
    for h in 0..<heads { for p in 0..<positions { for d in 0..<dim { y[(p * heads + h) * dim + d] = x[(h * positions + p) * dim + d] } } }
    return y
}

@Suite("Rotary embeddings vs transformers / diffusers")
struct RotaryKernelTests {
    // Qwen2.5-VL M-RoPE (sections [4, 6, 6]) forward and its inverse rotation (the gradient) match transformers.
    @Test func multimodal() throws {
        let f = try KernelFixture("kernels_rotary")
        let positions = try f.integers("mrope.positions"), count = positions.count / 3
        let rows = (0..<3).map { Array(positions[($0 * count)..<(($0 + 1) * count)]) }
        let table = RotaryTable.multimodal(positions: rows, dimension: 32, theta: 1_000_000, sections: [4, 6, 6])
        let x = swapHeadsAndPositions(try f.floats("mrope.input"), heads: 2, positions: count, dim: 32)
        let gy = swapHeadsAndPositions(try f.floats("mrope.output_grad"), heads: 2, positions: count, dim: 32)
        let expected = swapHeadsAndPositions(try f.floats("mrope.output"), heads: 2, positions: count, dim: 32)
        let expectedGrad = swapHeadsAndPositions(try f.floats("mrope.input_grad"), heads: 2, positions: count, dim: 32)
        #expect(kernelRelativeError(applyRotary(x, table: table, heads: 2, dim: 32, inverse: false), expected) <= 1e-5)
        #expect(kernelRelativeError(applyRotary(gy, table: table, heads: 2, dim: 32, inverse: true), expectedGrad) <= 1e-4)
    }

    // With equal t/h/w positions M-RoPE equals the 1-D RoPE table exactly.
    @Test func textPositionsReduceToStandard() {
        let positions = Array(0..<7)
        let multimodal = RotaryTable.multimodal(positions: [positions, positions, positions], dimension: 32, theta: 1e6, sections: [4, 6, 6])
        #expect(multimodal == RotaryTable.standard(positions: positions, dimension: 32, theta: 1e6))
    }

    // The Qwen2.5-VL vision 2-D RoPE ([row·f ‖ col·f], rotate_half) matches apply_rotary_pos_emb_vision.
    @Test func vision() throws {
        let f = try KernelFixture("kernels_rotary")
        let table = RotaryTable.vision(rows: try f.integers("vision.rows"), columns: try f.integers("vision.cols"), dimension: 16)
        #expect(kernelRelativeError(applyRotary(try f.floats("vision.input"), table: table, heads: 3, dim: 16, inverse: false),
                              try f.floats("vision.output")) <= 1e-5)
        #expect(kernelRelativeError(applyRotary(try f.floats("vision.output_grad"), table: table, heads: 3, dim: 16, inverse: true),
                              try f.floats("vision.input_grad")) <= 1e-4)
    }

    // Wan's 3-D RoPE (interleaved pairs, t:h:w split) matches diffusers' WanRotaryPosEmbed + apply_rotary_emb.
    @Test func wan() throws {
        let f = try KernelFixture("kernels_rotary")
        let grid = try f.integers("wan.grid")
        let table = RotaryTable.wan(frames: grid[0], height: grid[1], width: grid[2], dimension: 24)
        #expect(kernelRelativeError(applyRotary(try f.floats("wan.input"), table: table, heads: 2, dim: 24, inverse: false),
                              try f.floats("wan.output")) <= 1e-5)
        #expect(kernelRelativeError(applyRotary(try f.floats("wan.output_grad"), table: table, heads: 2, dim: 24, inverse: true),
                              try f.floats("wan.input_grad")) <= 1e-4)
    }
}

@Suite("Tensor.applyingRotaryEmbedding with autodiff")
struct RotaryOperationTests {
    // [B, H, L, D] input (positionAxis 2) with the M-RoPE table matches transformers, gradient included.
    @Test func multimodalHeadMajor() throws {
        let f = try KernelFixture("kernels_rotary")
        let positions = try f.integers("mrope.positions"), count = positions.count / 3
        let rows = (0..<3).map { Array(positions[($0 * count)..<(($0 + 1) * count)]) }
        let table = RotaryTable.multimodal(positions: rows, dimension: 32, theta: 1_000_000, sections: [4, 6, 6])
        let x = try f.leaf("mrope.input")
        let output = x.applyingRotaryEmbedding(table, positionAxis: 2)
        #expect(try kernelRelativeError(output, f, "mrope.output") <= 1e-5)
        try backpropagate(output, f, "mrope")
        #expect(try kernelRelativeError(x.gradient, f, "mrope.input_grad") <= 1e-4)
    }

    // Wan's [B, L, H, D] layout (positionAxis 1) with the interleaved 3-D table matches diffusers, gradient included.
    @Test func wanTokenMajor() throws {
        let f = try KernelFixture("kernels_rotary")
        let grid = try f.integers("wan.grid")
        let x = try f.leaf("wan.input")
        let output = x.applyingRotaryEmbedding(RotaryTable.wan(frames: grid[0], height: grid[1], width: grid[2], dimension: 24), positionAxis: 1)
        #expect(try kernelRelativeError(output, f, "wan.output") <= 1e-5)
        try backpropagate(output, f, "wan")
        #expect(try kernelRelativeError(x.gradient, f, "wan.input_grad") <= 1e-4)
    }
}
