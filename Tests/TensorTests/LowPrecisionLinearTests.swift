import Foundation
import Testing
@testable import Tensor
import CKernels

/// `linear` against a frozen bf16/f16 weight reads the weight as stored. Its result must equal the
/// float32 product with the widened weight (the widening is exact), on the decode-sized dot path and on
/// the block-by-block BLAS path, for every shape edge (k not a multiple of 8, n not of 8, m around 4 and 8).
@Suite("Linear with low-precision weights")
struct LowPrecisionLinearTests {
    static func close(_ a: [Float], _ b: [Float], tolerance: Float = 2e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test(arguments: [DType.bfloat16, .float16])
    func matchesWidenedFloat32(dtype: DType) {
        var random = RandomGenerator(seed: 41)
        for (m, k, n) in [(1, 1, 1), (1, 7, 3), (1, 100, 23), (1, 515, 66), (2, 17, 9), (3, 64, 8), (4, 33, 17),
                          (5, 100, 23), (8, 129, 40), (9, 64, 31), (17, 250, 70), (64, 96, 129),
                          // Enough rows to be split over the engine's workers (64 per thread), evenly and not.
                          (64 * Parallel.threadCount, 40, 37), (64 * Parallel.threadCount + 67, 96, 50)] {
            let x = random.normal([m, k])
            let weight = random.normal([n, k]).converted(to: dtype)
            let bias = random.normal([n])
            let ours = x.linear(weight: weight, bias: bias)
            let reference = x.matmul(weight.asFloat32.transposed()) + bias
            #expect(ours.dtype == .float32 && ours.shape == [m, n])
            #expect(Self.close(ours.scalars, reference.scalars), "m \(m) k \(k) n \(n) \(dtype)")
        }
    }

    // Leading axes are flattened and restored; a non-contiguous input is read correctly.
    @Test func batchedAndStridedInputs() {
        var random = RandomGenerator(seed: 5)
        let weight = random.normal([24, 40]).converted(to: .bfloat16)
        let x = random.normal([2, 3, 40])
        #expect(Self.close(x.linear(weight: weight).scalars, x.matmul(weight.asFloat32.transposed()).scalars))
        let strided = random.normal([40, 6]).transposed(0, 1)  // [6, 40], not contiguous
        #expect(Self.close(strided.linear(weight: weight).scalars, strided.matmul(weight.asFloat32.transposed()).scalars))
    }

    // The gradient with respect to the input equals the float32 one (the frozen weight gets none).
    @Test(arguments: [1, 6, 40])
    func inputGradientMatches(rows: Int) throws {
        var random = RandomGenerator(seed: 77)
        let weight = random.normal([33, 50]).converted(to: .bfloat16)
        let x = random.normal([rows, 50])
        let upstream = random.normal([rows, 33])
        let (_, ours) = Autograd.valueAndGradient(at: ["x": x]) { p in (p["x"]!.linear(weight: weight) * upstream).sum() }
        let widened = weight.asFloat32
        let (_, reference) = Autograd.valueAndGradient(at: ["x": x]) { p in (p["x"]!.matmul(widened.transposed()) * upstream).sum() }
        #expect(Self.close(try #require(ours["x"]).scalars, try #require(reference["x"]).scalars))
    }

    // Blocks smaller than the weight (several widen-and-multiply rounds) give the same result, on one thread
    // and with the rows split over the workers. Where sums cancel to values near zero, a different BLAS
    // partition of the same sum (threaded or not) moves the last bits: the bound is the max error over the
    // max |reference|, as the model parity checks measure.
    @Test func manyBlocks() {
        var random = RandomGenerator(seed: 8)
        let k = 1003, blockFloats = 16 * k  // 16-row blocks: n = 50 takes four of them
        let weight = random.normal([50, k]).converted(to: .bfloat16)
        for rows in [12, 64 * Parallel.threadCount + 5] {
            let x = random.normal([rows, k])
            let ours = x.lowPrecisionLinear(weight: weight, blockFloats: blockFloats).scalars, reference = x.matmul(weight.asFloat32.transposed()).scalars
            let worst = zip(ours, reference).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-6 * (reference.map(abs).max() ?? 1), "rows \(rows): max error \(worst)")
        }
        // The input gradient widens the same blocks.
        let x = random.normal([6, k]), upstream = random.normal([6, 50])
        let (_, ours) = Autograd.valueAndGradient(at: ["x": x]) { p in
            (p["x"]!.lowPrecisionLinear(weight: weight, blockFloats: blockFloats) * upstream).sum()
        }
        let widened = weight.asFloat32
        let (_, reference) = Autograd.valueAndGradient(at: ["x": x]) { p in (p["x"]!.matmul(widened.transposed()) * upstream).sum() }
        #expect(Self.close(ours["x"]?.scalars ?? [], reference["x"]?.scalars ?? [1]))
    }

    // An embedding lookup in a bf16/f16 table converts only the rows looked up, with the same values.
    @Test(arguments: [DType.bfloat16, .float16])
    func embeddingRowsMatch(dtype: DType) {
        var random = RandomGenerator(seed: 3)
        let table = random.normal([50, 13]).converted(to: dtype)
        let ids = Tensor(indices: [0, 49, 7, 7, -1, 3], shape: [2, 3])
        let ours = table.embedding(ids)
        #expect(ours.shape == [2, 3, 13] && ours.dtype == .float32)
        #expect(ours.scalars == table.asFloat32.embedding(ids).scalars)
    }

    // bf16 × bf16 matmul through vdpbf16ps (where the CPU has AVX512-BF16) equals the float32 route up to the
    // final bf16 rounding: both compute exact products, only the summation order differs. Every edge:
    // odd k, n not a multiple of 32 or 16, m not a multiple of 8.
    @Test func bfloat16MatmulAgreesWithFloat32Route() {
        var random = RandomGenerator(seed: 13)
        for (m, k, n) in [(1, 1, 1), (3, 5, 7), (8, 64, 32), (9, 33, 17), (17, 100, 48), (40, 129, 70), (64, 256, 96)] {
            let a = random.normal([m, k]).converted(to: .bfloat16), b = random.normal([k, n]).converted(to: .bfloat16)
            let ours = a.matmul(b)
            let reference = a.asFloat32.matmul(b.asFloat32)
            #expect(ours.dtype == .bfloat16 && ours.shape == [m, n])
            // One bf16 rounding step (2⁻⁸ relative) of the float32 result, plus float32 summation noise.
            let bad = zip(ours.asFloat32.scalars, reference.scalars).filter { abs($0 - $1) > 4e-3 * max(1, abs($1)) }
            #expect(bad.isEmpty, "m \(m) k \(k) n \(n): \(bad.prefix(3)) (AVX512-BF16 path: \(vans_gemm_bf16_available() != 0))")
        }
    }
}
