import CKernels

// Weights as stored: reserved (shape-only) tensors, and x · Wᵀ against a bfloat16 or float16 weight, read in its stored dtype: the weight is widened a few
// rows (decode steps, m ≤ 8) or one bounded block (prefill) at a time, never copied whole to float32.
// Activations stay float32 and products accumulate in float32, so results are at least as accurate as
// torch's bf16 linear (which also rounds the activations to bf16).
extension Tensor {
    /// A zero tensor that takes no physical memory until written (see `Storage(reservingZeroedByteCount:)`):
    /// how models are built shape-only before `load` fills them from memory-mapped safetensors.
    public static func reserved(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(storage: Storage(reservingZeroedByteCount: count * dtype.byteCount), shape: shape, dtype: dtype)
    }

    /// Input rows up to which the widen-and-dot kernel beats widening blocks for BLAS.
    static let lowPrecisionDotRows = 8
    /// Float32 elements of one widened weight block on the BLAS path (32 MB). Every block is one BLAS call that
    /// packs the whole input again, so small blocks multiply that packing: at 8 MB a 1536 × 8960 projection
    /// took seven calls, each packing the 70 MB input of a Wan FFN, and a 1536² one a second call for 171 rows.
    static let lowPrecisionBlockFloats = 8 << 20

    /// True when `linear` can read `weight` in its stored dtype: a frozen, contiguous bf16/f16 matrix.
    static func readsInStoredDType(_ weight: Tensor) -> Bool {
        (weight.dtype == .bfloat16 || weight.dtype == .float16) && weight.rank == 2 && weight.isContiguous
            && !weight.requiresGradient
    }

    /// [m, k] (float32) · weightᵀ with `weight` [n, k] in bf16/f16 → [m, n] float32, differentiable in `self`.
    func lowPrecisionLinear(weight: Tensor, blockFloats: Int = Tensor.lowPrecisionBlockFloats) -> Tensor {
        let input = asFloat32.contiguous()
        let m = input.shape[0], k = input.shape[1], n = weight.shape[0]
        let output = Tensor(shape: [m, n], zeroed: false)
        if m > 0 && n > 0 {
            if k == 0 {
                output.pointer(as: Float.self).update(repeating: 0, count: m * n)
            } else if m <= Tensor.lowPrecisionDotRows {
                Tensor.lowPrecisionDots(input, weight: weight, into: output)
            } else {
                // Enough rows (64 per worker): split them over the engine's workers, each running BLAS
                // single-threaded; else one BLAS call over all rows.
                let parts = Parallel.threadCount > 1 && m >= 64 * Parallel.threadCount ? Parallel.threadCount : 1
                let px = SendablePointer(input.pointer(as: Float.self)), py = SendablePointer(output.pointer(as: Float.self))
                Tensor.lowPrecisionBlocks(weight: weight, blockFloats: blockFloats) { block, rows in
                    // output[:, rows] = input · blockᵀ. Split, BLAS's own threads stay asleep: awake, they spin
                    // through the widening and every op between products, on the cores the engine's workers need.
                    let pb = SendablePointer(block)
                    BLAS.runUnlockedSgemms(count: parts, onWorkers: parts > 1) { chunks in
                        for chunk in chunks {
                            let first = m * chunk / parts, last = m * (chunk + 1) / parts
                            guard first < last else { continue }
                            vans_sgemm_unlocked(0, 1, Int64(last - first), Int64(rows.count), Int64(k), 1, px.base + first * k,
                                                Int64(k), pb.base, Int64(k), 0, py.base + first * n + rows.lowerBound, Int64(n))
                        }
                    }
                }
            }
        }
        return Autograd.record(output, operation: "linear_low_precision", inputs: [input]) { gradient in
            [gradient.contiguous().lowPrecisionInputGradient(weight: weight, inputColumns: k, blockFloats: blockFloats)]
        }
    }

    /// gradient [m, n] · weight [n, k] → [m, k], widening the weight block by block.
    private func lowPrecisionInputGradient(weight: Tensor, inputColumns k: Int, blockFloats: Int) -> Tensor {
        let gradient = asFloat32.contiguous()
        let m = gradient.shape[0], n = gradient.shape[1]
        let result = Tensor(shape: [m, k], zeroed: true)
        guard m > 0, n > 0, k > 0 else { return result }
        Tensor.lowPrecisionBlocks(weight: weight, blockFloats: blockFloats) { block, rows in
            vans_sgemm(0, 0, Int64(m), Int64(k), Int64(rows.count), 1, gradient.pointer(as: Float.self) + rows.lowerBound,
                       Int64(n), block, Int64(k), 1, result.pointer(as: Float.self), Int64(k))
        }
        return result
    }

    /// Decode-sized products: workers split the weight rows and widen eight at a time.
    private static func lowPrecisionDots(_ input: Tensor, weight: Tensor, into output: Tensor) {
        let m = input.shape[0], k = input.shape[1], n = weight.shape[0]
        let px = SendablePointer(input.pointer(as: Float.self)), pw = SendablePointer(weight.pointer(as: UInt16.self))
        let py = SendablePointer(output.pointer(as: Float.self))
        let code: Int32 = weight.dtype == .bfloat16 ? Int32(VANS_BF16.rawValue) : Int32(VANS_F16.rawValue)
        Parallel.forEach(count: (n + 7) / 8, minimumChunk: Swift.max(1, 4096 / Swift.max(k, 1))) { range in
            let first = range.lowerBound * 8, last = Swift.min(n, range.upperBound * 8)
            let failed = vans_linear_lowp_rows(px.base, Int64(m), Int64(k), pw.base, code, py.base, Int64(n),
                                               Int64(first), Int64(last))
            precondition(failed == 0, "out of memory for an \(8 * k * 4)-byte weight block")
        }
    }

    /// Calls `body` with each block of weight rows widened to float32 (at most `lowPrecisionBlockFloats`).
    private static func lowPrecisionBlocks(weight: Tensor, blockFloats: Int, _ body: (UnsafeMutablePointer<Float>, Range<Int>) -> Void) {
        let n = weight.shape[0], k = weight.shape[1]
        let blockRows = Swift.min(n, Swift.max(16, blockFloats / Swift.max(k, 1)))
        let block = Tensor(shape: [blockRows, k], zeroed: false)
        BLAS.ensureLoaded()
        var start = 0
        while start < n {
            let rows = start..<Swift.min(n, start + blockRows)
            widen(weight, elements: rows.lowerBound * k ..< rows.upperBound * k, into: block.pointer(as: Float.self))
            body(block.pointer(as: Float.self), rows)
            start = rows.upperBound
        }
    }

    /// Widens `elements` of the contiguous bf16/f16 `weight` into `destination`, in parallel.
    private static func widen(_ weight: Tensor, elements: Range<Int>, into destination: UnsafeMutablePointer<Float>) {
        let source = SendablePointer(weight.pointer(as: UInt16.self) + elements.lowerBound)
        let target = SendablePointer(destination), dtype = weight.dtype
        Parallel.forEach(count: elements.count, minimumChunk: 1 << 16) { range in
            widen(source.base + range.lowerBound, dtype: dtype, into: target.base + range.lowerBound, count: range.count)
        }
    }

    /// Widens `count` bf16 or f16 values (`dtype`) at `source` into float32 at `destination` (exact).
    static func widen(_ source: UnsafePointer<UInt16>, dtype: DType, into destination: UnsafeMutablePointer<Float>, count: Int) {
        if dtype == .bfloat16 { vans_bf16_to_f32(source, destination, Int64(count)) }
        else { vans_f16_to_f32(source, destination, Int64(count)) }
    }
}
