import Testing
@testable import Tensor

/// Each op as the engine computes it, keyed by the fixture case name.
let conformanceCases: [String: @Sendable ([String: Tensor]) -> Tensor] = {
    var cases: [String: @Sendable ([String: Tensor]) -> Tensor] = [
        "unary_exp": { $0["x"]!.exp() }, "unary_log": { $0["x"]!.log() }, "unary_sqrt": { $0["x"]!.sqrt() },
        "unary_rsqrt": { $0["x"]!.rsqrt() }, "unary_tanh": { $0["x"]!.tanh() }, "unary_sigmoid": { $0["x"]!.sigmoid() },
        "unary_erf": { $0["x"]!.erf() }, "unary_abs": { $0["x"]!.abs() }, "unary_relu": { $0["x"]!.relu() },
        "unary_silu": { $0["x"]!.silu() }, "unary_gelu": { $0["x"]!.gelu() },
        "unary_gelu_tanh": { $0["x"]!.gelu(approximation: .tanh) }, "unary_quick_gelu": { $0["x"]!.quickGELU() },
        "unary_neg": { -$0["x"]! }, "unary_pow3": { $0["x"]!.pow(3) }, "unary_pow_half": { $0["x"]!.pow(0.5) },
        "unary_clamp": { $0["x"]!.clamped(min: -0.5, max: 0.7) }, "unary_square": { $0["x"]!.square() },
        "unary_reciprocal": { $0["x"]!.reciprocal() }, "unary_sin": { $0["x"]!.sin() }, "unary_cos": { $0["x"]!.cos() },
        "unary_scalar_affine": { 3 - $0["x"]! * 2.5 + 0.5 },
        "binary_add": { $0["a"]! + $0["b"]! }, "binary_sub": { $0["a"]! - $0["b"]! },
        "binary_mul": { $0["a"]! * $0["b"]! }, "binary_div": { $0["a"]! / $0["b"]! },
        "binary_pow": { $0["a"]!.pow($0["b"]!) }, "binary_maximum": { $0["a"]!.maximum($0["b"]!) },
        "binary_minimum": { $0["a"]!.minimum($0["b"]!) },
        "where": { Tensor.where($0["c"]!, $0["a"]!, $0["b"]!) },
        "masked_fill": { $0["x"]!.maskedFilled(where: $0["m"]!, with: -2.5) },
        "compare_less": { $0["a"]!.less($0["b"]!).converted(to: .int64) },
        "matmul_2d": { $0["a"]!.matmul($0["b"]!) }, "matmul_batched": { $0["a"]!.matmul($0["b"]!) },
        "matmul_transposed": { $0["a"]!.matmul($0["b"]!.transposed()) }, "matmul_vector": { $0["a"]!.matmul($0["b"]!) },
        "linear": { $0["x"]!.linear(weight: $0["w"]!, bias: $0["b"]!) },
        "embedding": { $0["table"]!.embedding($0["ids"]!) },
        "index_select": { $0["x"]!.indexSelected(axis: 1, indices: $0["idx"]!) },
        "gather": { $0["x"]!.gathered(axis: 1, indices: $0["idx"]!) },
        "scatter_add": { $0["s"]!.scatterAdding(axis: 1, indices: $0["idx"]!, source: $0["src"]!) },
        "concat": { Tensor.concatenate([$0["a"]!, $0["b"]!], axis: 1) },
        "chunk": { inputs in
            Tensor.concatenate(inputs["x"]!.chunked(3, axis: 0).enumerated().map { $0.element * Float($0.offset + 1) }, axis: 0)
        },
        "flip": { $0["x"]!.flipped(axes: [0, 2]) }, "repeat": { $0["x"]!.repeated([2, 1, 3]) },
        "views": { $0["x"]!.permuted([2, 0, 1]).sliced(axis: 0, start: 1, end: 4, step: 2).unsqueezed(1)
            .expanded(to: [2, 3, 2, 3]).reshaped([6, 6]) },
        "sum_axes": { $0["x"]!.sum(axes: [0, 2], keepingDimensions: true) }, "sum_middle": { $0["x"]!.sum(axis: 1) },
        "mean_axis": { $0["x"]!.mean(axis: 1) }, "max_axis": { $0["x"]!.max(axis: 1) },
        "min_axis": { $0["x"]!.min(axis: 0, keepingDimensions: true) }, "argmax_axis": { $0["x"]!.argmax(axis: 1) },
        "var_axis": { $0["x"]!.variance(axes: [1]) },
        "var_biased": { $0["x"]!.variance(axes: [0, 2], correction: 0, keepingDimensions: true) },
        "softmax_last": { $0["x"]!.softmax(axis: -1) }, "softmax_middle": { $0["x"]!.softmax(axis: 1) },
        "log_softmax": { $0["x"]!.logSoftmax(axis: -1) }, "logsumexp": { $0["x"]!.logSumExp(axes: [-1]) },
        "cross_entropy": { $0["logits"]!.crossEntropy(targets: $0["t"]!) },
    ]
    return cases
}()

@Suite("Conformance with PyTorch (tensor_ops.py fixtures)")
struct ConformanceTests {
    // Forward output within 1e-5 relative and gradients of sum(out·w) within 1e-4 relative of torch's.
    @Test(arguments: conformanceCases.keys.sorted())
    func matchesTorch(caseName: String) throws {
        let function = try #require(conformanceCases[caseName])
        try expectMatchesTorch(ReferenceFixture.shared, caseName: caseName, function)
    }

    // Every case in the fixture file has an engine counterpart (no op silently untested).
    @Test func everyFixtureCaseIsCovered() {
        let uncovered = ReferenceFixture.shared.caseNames.subtracting(conformanceCases.keys).subtracting(["convert", "matmul_bf16", "sampling"])
        #expect(uncovered.isEmpty, "fixture cases without a test: \(uncovered.sorted())")
    }

    // float32 → bfloat16 / float16 conversion is bit-identical to torch's (round to nearest even, NaN, inf).
    @Test func conversionBitsMatchTorch() throws {
        let fixture = ReferenceFixture.shared
        let values = try fixture.tensor("convert.in.x")
        let bf16 = values.converted(to: .bfloat16), f16 = values.converted(to: .float16)
        let bf16Bits = Array(UnsafeBufferPointer(start: bf16.pointer(as: UInt16.self), count: bf16.elementCount))
        let f16Bits = Array(UnsafeBufferPointer(start: f16.pointer(as: UInt16.self), count: f16.elementCount))
        #expect(bf16Bits == (try fixture.bits("convert.bf16")))
        #expect(f16Bits == (try fixture.bits("convert.f16")))
        // Widening back is exact: reconverting gives the same bits.
        #expect(bf16.converted(to: .float32).converted(to: .bfloat16).scalars.elementsEqual(bf16.scalars) { $0.bitPattern == $1.bitPattern })
    }

    // bf16 × bf16 matmul matches torch's bf16 result within one bf16 rounding step (2⁻⁸ relative).
    @Test func bfloat16MatmulMatchesTorch() throws {
        let fixture = ReferenceFixture.shared
        func bf16(_ name: String, _ shape: [Int]) throws -> Tensor {
            let bits = try fixture.bits(name)
            let tensor = Tensor(shape: shape, dtype: .bfloat16)
            tensor.pointer(as: UInt16.self).update(from: bits, count: bits.count)
            return tensor
        }
        let a = try bf16("matmul_bf16.in.a", [16, 64]), b = try bf16("matmul_bf16.in.b", [64, 8])
        let expected = try bf16("matmul_bf16.out", [16, 8])
        let product = a.matmul(b)
        #expect(product.dtype == .bfloat16)
        #expect(relativeError(product.scalars, expected.scalars) <= 1.0 / 256)
    }
}
