import CKernels
import Tensor
import Testing

/// Runs the C attention kernels over contiguous [B, H, L, D] arrays.
struct AttentionKernelRun {
    var output: [Float], logSumExp: [Float], queryGrad: [Float], keyGrad: [Float], valueGrad: [Float]

    init(query: [Float], key: [Float], value: [Float], outputGrad: [Float], batch: Int, queryHeads: Int, kvHeads: Int,
         queryLength: Int, kvLength: Int, headDim: Int, causal: Bool, queryOffsets: [Int64] = [], kvOffsets: [Int64] = []) {
        output = [Float](repeating: .nan, count: query.count)
        logSumExp = [Float](repeating: .nan, count: batch * queryHeads * queryLength)
        queryGrad = [Float](repeating: .nan, count: query.count)
        keyGrad = [Float](repeating: .nan, count: key.count)
        valueGrad = [Float](repeating: .nan, count: value.count)
        func strides(_ heads: Int, _ length: Int) -> (Int64, Int64, Int64) {
            (Int64(heads * length * headDim), Int64(length * headDim), Int64(headDim))
        }
        var arguments = vans_attention_args()
        arguments.batch = Int64(batch); arguments.query_heads = Int64(queryHeads); arguments.kv_heads = Int64(kvHeads)
        arguments.query_length = Int64(queryLength); arguments.kv_length = Int64(kvLength); arguments.head_dim = Int64(headDim)
        arguments.causal = causal ? 1 : 0
        arguments.scale = 1 / Float(headDim).squareRoot()
        let q = strides(queryHeads, queryLength), k = strides(kvHeads, kvLength)
        arguments.query_strides = q; arguments.output_strides = q; arguments.output_grad_strides = q; arguments.query_grad_strides = q
        arguments.key_strides = k; arguments.value_strides = k; arguments.key_grad_strides = k; arguments.value_grad_strides = k
        arguments.segment_count = Int64(max(queryOffsets.count - 1, 0))
        query.withUnsafeBufferPointer { q in key.withUnsafeBufferPointer { k in value.withUnsafeBufferPointer { v in
        outputGrad.withUnsafeBufferPointer { g in queryOffsets.withUnsafeBufferPointer { qo in kvOffsets.withUnsafeBufferPointer { ko in
        output.withUnsafeMutableBufferPointer { o in logSumExp.withUnsafeMutableBufferPointer { l in
        queryGrad.withUnsafeMutableBufferPointer { dq in keyGrad.withUnsafeMutableBufferPointer { dk in
        valueGrad.withUnsafeMutableBufferPointer { dv in
            arguments.query = q.baseAddress; arguments.key = k.baseAddress; arguments.value = v.baseAddress
            arguments.output_grad = g.baseAddress; arguments.output = o.baseAddress; arguments.log_sum_exp = l.baseAddress
            arguments.query_grad = dq.baseAddress; arguments.key_grad = dk.baseAddress; arguments.value_grad = dv.baseAddress
            arguments.query_offsets = qo.baseAddress; arguments.kv_offsets = ko.baseAddress
            // Two halves, as the engine's parallel-for splits tasks.
            let forwardTasks = vans_attention_forward_task_count(&arguments)
            _ = vans_attention_forward(&arguments, 0, forwardTasks / 2)
            _ = vans_attention_forward(&arguments, forwardTasks / 2, forwardTasks)
            let backwardTasks = vans_attention_backward_task_count(&arguments)
            _ = vans_attention_backward(&arguments, 0, backwardTasks / 2)
            _ = vans_attention_backward(&arguments, backwardTasks / 2, backwardTasks)
        } } } } } } } } } } }
    }
}

@Suite("Fused attention kernel vs PyTorch")
struct AttentionKernelTests {
    func check(_ prefix: String, causal: Bool, segmented: Bool = false) throws {
        let fixture = try KernelFixture("kernels_attention")
        let qShape = try fixture.shape("\(prefix).query"), kShape = try fixture.shape("\(prefix).key")
        let run = AttentionKernelRun(
            query: try fixture.floats("\(prefix).query"), key: try fixture.floats("\(prefix).key"),
            value: try fixture.floats("\(prefix).value"), outputGrad: try fixture.floats("\(prefix).output_grad"),
            batch: qShape[0], queryHeads: qShape[1], kvHeads: kShape[1], queryLength: qShape[2], kvLength: kShape[2],
            headDim: qShape[3], causal: causal,
            queryOffsets: segmented ? try fixture.integers("\(prefix).query_offsets").map(Int64.init) : [],
            kvOffsets: segmented ? try fixture.integers("\(prefix).kv_offsets").map(Int64.init) : [])
        #expect(kernelRelativeError(run.output, try fixture.floats("\(prefix).output")) <= 1e-5)
        #expect(kernelRelativeError(run.queryGrad, try fixture.floats("\(prefix).query_grad")) <= 1e-4)
        #expect(kernelRelativeError(run.keyGrad, try fixture.floats("\(prefix).key_grad")) <= 1e-4)
        #expect(kernelRelativeError(run.valueGrad, try fixture.floats("\(prefix).value_grad")) <= 1e-4)
    }

    // Causal grouped-query attention (4 query heads over 2 KV heads, 70 rows spanning two tiles) matches SDPA.
    @Test func groupedQueryCausal() throws { try check("gqa_causal", causal: true) }

    // Cross attention with Lq ≠ Lk and a single KV head matches SDPA.
    @Test func crossAttention() throws { try check("cross", causal: false) }

    // Block-diagonal (cu_seqlens) attention matches SDPA with the equivalent boolean mask.
    @Test func segments() throws { try check("segments", causal: false, segmented: true) }

    // A causal query row with no visible key (Lq > Lk, bottom-right alignment) yields zeros, -inf LSE and zero gradients.
    @Test func rowsWithoutKeysAreZero() {
        let query = [Float](repeating: 0.5, count: 3 * 4), key = [Float](repeating: 0.25, count: 4), ones = [Float](repeating: 1, count: 12)
        let run = AttentionKernelRun(query: query, key: key, value: key, outputGrad: ones, batch: 1, queryHeads: 1, kvHeads: 1,
                                     queryLength: 3, kvLength: 1, headDim: 4, causal: true)
        #expect(Array(run.output[0..<8]) == [Float](repeating: 0, count: 8))
        #expect(run.logSumExp[0] == -.infinity && run.logSumExp[1] == -.infinity)
        #expect(Array(run.queryGrad[0..<8]) == [Float](repeating: 0, count: 8))
        #expect(run.output[8...].allSatisfy { abs($0 - 0.25) < 1e-7 })
    }
}

@Suite("Tensor.scaledDotProductAttention with autodiff")
struct AttentionOperationTests {
    // Inputs given as [B, L, H, D] transposed views (no copy) give the SDPA output and all three gradients.
    @Test func stridedInputsAndGradients() throws {
        let f = try KernelFixture("kernels_attention")
        let q = try f.tensor("gqa_causal.query").transposed(1, 2).contiguous().requiringGradient()
        let k = try f.tensor("gqa_causal.key").transposed(1, 2).contiguous().requiringGradient()
        let v = try f.tensor("gqa_causal.value").transposed(1, 2).contiguous().requiringGradient()
        let output = Tensor.scaledDotProductAttention(query: q.transposed(1, 2), key: k.transposed(1, 2), value: v.transposed(1, 2),
                                                      causal: true)
        #expect(try kernelRelativeError(output, f, "gqa_causal.output") <= 1e-5)
        try backpropagate(output, f, "gqa_causal")
        #expect(try kernelRelativeError(q.gradient?.transposed(1, 2), f, "gqa_causal.query_grad") <= 1e-4)
        #expect(try kernelRelativeError(k.gradient?.transposed(1, 2), f, "gqa_causal.key_grad") <= 1e-4)
        #expect(try kernelRelativeError(v.gradient?.transposed(1, 2), f, "gqa_causal.value_grad") <= 1e-4)
    }

    // Segmented (cu_seqlens) attention through the Tensor op matches SDPA with a block mask, gradients included.
    @Test func segmentsWithGradients() throws {
        let f = try KernelFixture("kernels_attention")
        let q = try f.leaf("segments.query"), k = try f.leaf("segments.key"), v = try f.leaf("segments.value")
        let output = Tensor.scaledDotProductAttention(query: q, key: k, value: v,
                                                      segments: AttentionSegments(offsets: try f.integers("segments.query_offsets")))
        #expect(try kernelRelativeError(output, f, "segments.output") <= 1e-5)
        try backpropagate(output, f, "segments")
        #expect(try kernelRelativeError(q.gradient, f, "segments.query_grad") <= 1e-4)
        #expect(try kernelRelativeError(k.gradient, f, "segments.key_grad") <= 1e-4)
        #expect(try kernelRelativeError(v.gradient, f, "segments.value_grad") <= 1e-4)
    }

    // Several query blocks per head (values packed once per head into 16-column panels) against one block per
    // head (values read in place), with a head dimension that is not a multiple of 16 (zero-padded panels and
    // tiles), grouped heads, causal or not, and short blocks whose score columns and output rows are computed
    // only as far as their queries reach (1, 5, 17, 40 rows, and 150's last 22): all equal softmax(QKᵀ/√d)·V
    // written out with matmuls.
    @Test(arguments: [(150, 150, false), (150, 150, true), (150, 40, false), (40, 150, false), (1, 150, false),
                      (1, 150, true), (5, 70, true), (17, 300, true), (70, 70, true)])
    func valuePanelsMatchExplicitAttention(queryLength: Int, kvLength: Int, causal: Bool) {
        var random = RandomGenerator(seed: 29)
        let d = 24
        let q = random.normal([2, 4, queryLength, d]), k = random.normal([2, 2, kvLength, d]), v = random.normal([2, 2, kvLength, d])
        let ours = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: causal)
        let kk = k.unsqueezed(2).expanded(to: [2, 2, 2, kvLength, d]).reshaped([2, 4, kvLength, d])
        let vv = v.unsqueezed(2).expanded(to: [2, 2, 2, kvLength, d]).reshaped([2, 4, kvLength, d])
        var scores = q.matmul(kk.transposed(2, 3)) * (1 / Float(d).squareRoot())
        if causal {  // query i sees keys up to i + (kvLength − queryLength), as the kernel aligns the diagonal
            let hidden = (0..<queryLength).flatMap { i in (0..<kvLength).map { j in j > i + kvLength - queryLength } }
            scores = scores.maskedFilled(where: Tensor(bools: hidden, shape: [queryLength, kvLength]), with: -.infinity)
        }
        let reference = scores.softmax(axis: -1).matmul(vv)
        let error = zip(ours.contiguous().scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(error <= 1e-5 * (reference.scalars.map(abs).max() ?? 1), "L \(queryLength)×\(kvLength) causal \(causal): \(error)")
        // With the keys and values repeated per head (no grouped heads) the bits are the same: each row is computed
        // in the same order, also where one query's two heads of a key/value head share a block (the 1-row cases).
        let ungrouped = Tensor.scaledDotProductAttention(query: q, key: kk.contiguous(), value: vv.contiguous(), causal: causal)
        #expect(ours.contiguous().scalars == ungrouped.contiguous().scalars)
    }

    // A batch of decode steps (one query each) with grouped heads and left padding: the grouped block equals
    // attention with the keys and values repeated per head, and its log-sum-exp is where the backward reads it.
    @Test func groupedDecodeWithPaddingMatchesRepeatedHeads() {
        var random = RandomGenerator(seed: 31)
        let (kvLength, d) = (37, 16)
        let q = random.normal([3, 6, 1, d]), k = random.normal([3, 2, kvLength, d]), v = random.normal([3, 2, kvLength, d])
        let padding = Tensor(bools: (0..<3).flatMap { b in (0..<kvLength).map { $0 < 4 * b } }, shape: [3, kvLength])
        let kk = k.unsqueezed(2).expanded(to: [3, 2, 3, kvLength, d]).reshaped([3, 6, kvLength, d]).contiguous()
        let vv = v.unsqueezed(2).expanded(to: [3, 2, 3, kvLength, d]).reshaped([3, 6, kvLength, d]).contiguous()
        let grouped = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true, keyPaddingMask: padding)
        let repeated = Tensor.scaledDotProductAttention(query: q, key: kk, value: vv, causal: true, keyPaddingMask: padding)
        #expect(grouped.contiguous().scalars == repeated.contiguous().scalars)
        let qg = q.requiringGradient(), qr = q.requiringGradient()
        Tensor.scaledDotProductAttention(query: qg, key: k, value: v, causal: true, keyPaddingMask: padding).sum().backward()
        Tensor.scaledDotProductAttention(query: qr, key: kk, value: vv, causal: true, keyPaddingMask: padding).sum().backward()
        #expect(qg.gradient?.scalars == qr.gradient?.scalars)
    }

    // The output's [B, Lq, Hq, D] storage makes the token-major view contiguous (no copy before the output projection).
    @Test func outputIsTokenMajor() {
        let q = Tensor.ones([1, 2, 3, 4]), k = Tensor.ones([1, 1, 5, 4])
        let output = Tensor.scaledDotProductAttention(query: q, key: k, value: k)
        #expect(output.shape == [1, 2, 3, 4])
        #expect(output.transposed(1, 2).isContiguous)
    }
}
