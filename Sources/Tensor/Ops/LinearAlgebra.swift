import CKernels

// Matrix products through BLAS: matmul (batched, broadcast) and linear.
extension Tensor {
    /// How BLAS can read the last two axes without a copy: transposed or not, and the leading dimension.
    fileprivate func matrixLayout() -> (source: Tensor, transposed: Bool, leading: Int) {
        let rows = shape[rank - 2], columns = shape[rank - 1]
        let rowStride = strides[rank - 2], columnStride = strides[rank - 1]
        if columnStride == 1 && (rowStride >= Swift.max(columns, 1) || rows == 1) {
            return (self, false, Swift.max(rowStride, columns, 1))
        }
        if rowStride == 1 && (columnStride >= Swift.max(rows, 1) || columns == 1) {
            return (self, true, Swift.max(columnStride, rows, 1))
        }
        let copy = contiguous()
        return (copy, false, Swift.max(columns, 1))
    }

    /// Matrix product with torch.matmul's rules: 1-D operands are promoted (and the added axis
    /// removed), leading batch axes broadcast. Float32 (bfloat16 × bfloat16 gives bfloat16,
    /// accumulated in float32 like torch).
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 1 && other.rank >= 1, "matmul needs tensors of rank ≥ 1, got \(shape) and \(other.shape)")
        if rank == 1 { return unsqueezed(0).matmul(other).squeezed(-2) }
        if other.rank == 1 { return matmul(other.unsqueezed(1)).squeezed(-1) }
        if dtype == .bfloat16 && other.dtype == .bfloat16 {
            if let product = bfloat16MatrixProduct(other) { return product }
            return asFloat32.matmul(other.asFloat32).converted(to: .bfloat16)
        }
        let a = asFloat32, b = other.asFloat32
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        precondition(b.shape[b.rank - 2] == k, "matmul shapes \(a.shape) and \(b.shape) do not align")
        let batchShape = Tensor.broadcastShape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
        let left = a.detached().expanded(to: batchShape + [m, k]).matrixLayout()
        let right = b.detached().expanded(to: batchShape + [k, n]).matrixLayout()
        let output = Tensor(shape: batchShape + [m, n], zeroed: false)
        BLAS.ensureLoaded()
        let batchCount = batchShape.reduce(1, *)
        let batchStrides = Tensor.contiguousStrides(for: batchShape)
        let pa = left.source.pointer(as: Float.self), pb = right.source.pointer(as: Float.self)
        let pc = output.pointer(as: Float.self)
        for batch in 0..<batchCount {
            var offsetA = 0, offsetB = 0, remainder = batch
            for axis in batchShape.indices {
                let index = remainder / batchStrides[axis]
                remainder %= batchStrides[axis]
                offsetA += index * left.source.strides[axis]
                offsetB += index * right.source.strides[axis]
            }
            if k == 0 {
                (pc + batch * m * n).update(repeating: 0, count: m * n)
                continue
            }
            BLAS.sgemm(transposeA: left.transposed, transposeB: right.transposed, m: m, n: n, k: k, a: pa + offsetA,
                       lda: left.leading, b: pb + offsetB, ldb: right.leading, c: pc + batch * m * n, ldc: Swift.max(n, 1))
        }
        return Autograd.record(output, operation: "matmul", inputs: [a, b]) { gradient in
            [a.requiresGradient ? gradient.matmul(b.transposed()).summed(toShape: a.shape) : nil,
             b.requiresGradient ? a.transposed().matmul(gradient).summed(toShape: b.shape) : nil]
        }
    }

    /// x · Wᵀ + b over the last axis, with `weight` [out, in] as PyTorch's nn.Linear stores it.
    public func linear(weight: Tensor, bias: Tensor? = nil) -> Tensor {
        precondition(weight.rank == 2 && shape.last == weight.shape[1],
                     "linear input \(shape) does not match weight \(weight.shape)")
        let flat = reshaped([-1, weight.shape[1]])
        // A frozen bf16/f16 weight is read as stored (LowPrecisionLinear.swift), never widened whole.
        var output = Tensor.readsInStoredDType(weight) ? flat.lowPrecisionLinear(weight: weight)
                                                       : flat.matmul(weight.transposed())
        if let bias { output = output + bias }
        return output.reshaped(Array(shape.dropLast()) + [weight.shape[0]])
    }
}

extension Tensor {
    /// bf16 [m, k] · bf16 [k, n] → bf16 with AVX512-BF16's vdpbf16ps (gemm_bf16.c): pairs of bf16 products
    /// are exact in float32 and accumulate there, as torch's oneDNN path does, and neither operand is
    /// widened to float32. Nil where the CPU lacks AVX512-BF16, the level is capped below AVX-512, an operand
    /// needs a gradient or the operands are not plain matrices (the float32 route takes those).
    fileprivate func bfloat16MatrixProduct(_ other: Tensor) -> Tensor? {
        guard rank == 2, other.rank == 2, !requiresGradient, !other.requiresGradient,
              vans_gemm_bf16_available() != 0 else { return nil }
        let m = shape[0], k = shape[1], n = other.shape[1]
        guard other.shape[0] == k, m > 0, n > 0, k > 0 else { return nil }
        let a = contiguous(), b = other.contiguous()
        let packed = Tensor(shape: [Int(vans_gemm_bf16_packed_count(Int64(k), Int64(n)))], dtype: .bfloat16, zeroed: false)
        let pb = SendablePointer(b.pointer(as: UInt16.self)), pp = SendablePointer(packed.pointer(as: UInt16.self))
        Parallel.forEach(count: (n + 31) / 32) { range in
            vans_gemm_bf16_pack_b(pb.base, Int64(n), Int64(k), Int64(n), pp.base, Int64(range.lowerBound), Int64(range.upperBound))
        }
        let output = Tensor(shape: [m, n], zeroed: false)
        let pa = SendablePointer(a.pointer(as: UInt16.self)), pc = SendablePointer(output.pointer(as: Float.self))
        Parallel.forEach(count: (m + 7) / 8) { range in
            let failed = vans_gemm_bf16_rows(pa.base, Int64(k), Int64(k), pp.base, Int64(n), pc.base, Int64(n),
                                             Int64(range.lowerBound * 8), Int64(Swift.min(m, range.upperBound * 8)))
            precondition(failed == 0, "out of memory for a \(8 * k * 2)-byte tile of A")
        }
        return output.converted(to: .bfloat16)
    }
}
