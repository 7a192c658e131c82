import CKernels

/// Block-diagonal attention segments (`cu_seqlens`): query rows
/// `queryOffsets[s] ..< queryOffsets[s + 1]` attend only keys `keyOffsets[s] ..< keyOffsets[s + 1]`.
public struct AttentionSegments: Sendable, Equatable {
    /// Cumulative query offsets, starting at 0 and ending at the query length.
    public let queryOffsets: [Int]
    /// Cumulative key offsets, starting at 0 and ending at the key length.
    public let keyOffsets: [Int]

    /// Segments with separate query and key boundaries (same segment count).
    public init(queryOffsets: [Int], keyOffsets: [Int]) {
        precondition(queryOffsets.count == keyOffsets.count && queryOffsets.count >= 2,
                     "attention segments need matching offset lists with at least one segment")
        for offsets in [queryOffsets, keyOffsets] {
            precondition(offsets.first == 0 && zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 },
                         "attention segment offsets must start at 0 and never decrease: \(offsets)")
        }
        self.queryOffsets = queryOffsets
        self.keyOffsets = keyOffsets
    }

    /// Self-attention segments (Qwen2.5-VL's `cu_seqlens`).
    public init(offsets: [Int]) { self.init(queryOffsets: offsets, keyOffsets: offsets) }
}

/// Wraps non-Sendable C argument structs for the parallel-for (each task writes disjoint rows).
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
}

extension Tensor {
    /// Fused scaled-dot-product attention, as PyTorch's `F.scaled_dot_product_attention` with
    /// `enable_gqa=True`, never materialising the score matrix.
    ///
    /// - Parameters:
    ///   - query: [B, Hq, Lq, D]. Any strides with the last axis contiguous are read in place,
    ///     so a `[B, L, H, D]` tensor transposed to `[B, H, L, D]` costs no copy.
    ///   - key, value: [B, Hkv, Lk, D], Hq a multiple of Hkv (grouped-query attention).
    ///   - causal: query i of a segment sees key j when j ≤ i + (Lk − Lq) (bottom-right aligned, the
    ///     same as PyTorch's `is_causal` when Lq = Lk, and what decoding with a KV cache needs).
    ///   - segments: optional block-diagonal segments (variable-length packed sequences).
    ///   - bias: optional additive score bias [B or 1, Hq or 1, Lq or 1, Lk] (PyTorch's float `attn_mask`,
    ///     umT5's relative-position bias), differentiable; -inf entries hide keys.
    ///   - keyPaddingMask: optional bool [B, Lk], true at keys to ignore (PyTorch's `key_padding_mask`),
    ///     such as the padding of a batch of prompts of different lengths.
    ///   - scale: score scale; 1/√D when nil.
    ///   - roundingProbabilitiesToBFloat16: round the exponentiated scores to bf16 before they weight the values
    ///     (the row sums stay unrounded), as PyTorch's CPU flash kernel does on bf16 tensors; for emulating bf16
    ///     activations. Gradients treat the rounding as the identity.
    /// - Returns: [B, Hq, Lq, D], stored as [B, Lq, Hq, D] so `transposed(1, 2)` back to tokens is free.
    ///   A query row that sees no key (all masked) is zero with zero gradients, as PyTorch defines it.
    public static func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, causal: Bool = false,
                                                 segments: AttentionSegments? = nil, bias: Tensor? = nil,
                                                 keyPaddingMask: Tensor? = nil, scale: Float? = nil,
                                                 roundingProbabilitiesToBFloat16: Bool = false) -> Tensor {
        precondition(query.rank == 4 && key.rank == 4 && value.rank == 4, "attention expects rank-4 [B, H, L, D] tensors")
        let (batch, queryHeads, queryLength, headDim) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3])
        let (kvHeads, kvLength) = (key.shape[1], key.shape[2])
        precondition(key.shape == value.shape && key.shape[0] == batch && key.shape[3] == headDim,
                     "attention key \(key.shape) / value \(value.shape) do not match query \(query.shape)")
        precondition(kvHeads > 0 && queryHeads % kvHeads == 0, "query heads \(queryHeads) must be a multiple of KV heads \(kvHeads)")
        precondition(headDim > 0 && headDim <= Int(VANS_ATTENTION_MAX_HEAD_DIM), "head dimension \(headDim) unsupported (1...256)")
        if let segments {
            precondition(segments.queryOffsets.last == queryLength && segments.keyOffsets.last == kvLength,
                         "attention segments must end at the query (\(queryLength)) and key (\(kvLength)) lengths")
        }
        if let bias {
            precondition(bias.rank == 4 && bias.shape[3] == kvLength
                         && zip(bias.shape.prefix(3), [batch, queryHeads, queryLength]).allSatisfy { $0 == 1 || $0 == $1 },
                         "attention bias \(bias.shape) does not broadcast to [\(batch), \(queryHeads), \(queryLength), \(kvLength)]")
        }
        if let keyPaddingMask {
            precondition(keyPaddingMask.dtype == .bool && keyPaddingMask.shape == [batch, kvLength],
                         "key padding mask must be bool [\(batch), \(kvLength)], got \(keyPaddingMask.dtype) \(keyPaddingMask.shape)")
        }
        let q = query.rowContiguous, k = key.rowContiguous, v = value.rowContiguous
        let scoreBias = bias?.rowContiguous
        // The kernel adds 0 to kept keys and -inf to ignored ones.
        let keyPadding = keyPaddingMask.map { Tensor.zeros([batch, kvLength]).maskedFilled(where: $0, with: -.infinity).contiguous() }
        // Output stored [B, Lq, Hq, D]; exposed as the [B, Hq, Lq, D] view.
        let storage = Tensor(shape: [batch, queryLength, queryHeads, headDim], zeroed: false)
        let output = storage.permuted([0, 2, 1, 3])
        let logSumExp = Tensor(shape: [batch, queryHeads, queryLength], zeroed: false)
        let queryOffsets = (segments?.queryOffsets ?? []).map { Int64($0) }, keyOffsets = (segments?.keyOffsets ?? []).map { Int64($0) }
        var arguments = vans_attention_args()
        arguments.batch = Int64(batch); arguments.query_heads = Int64(queryHeads); arguments.kv_heads = Int64(kvHeads)
        arguments.query_length = Int64(queryLength); arguments.kv_length = Int64(kvLength); arguments.head_dim = Int64(headDim)
        arguments.causal = causal ? 1 : 0
        arguments.round_probabilities_to_bf16 = roundingProbabilitiesToBFloat16 ? 1 : 0
        arguments.scale = scale ?? 1 / Float(headDim).squareRoot()
        arguments.segment_count = Int64(Swift.max(queryOffsets.count - 1, 0))
        arguments.query = UnsafePointer(q.pointer(as: Float.self)); arguments.query_strides = attentionStrides(q)
        arguments.key = UnsafePointer(k.pointer(as: Float.self)); arguments.key_strides = attentionStrides(k)
        arguments.value = UnsafePointer(v.pointer(as: Float.self)); arguments.value_strides = attentionStrides(v)
        arguments.output = output.pointer(as: Float.self); arguments.output_strides = attentionStrides(output)
        arguments.log_sum_exp = logSumExp.pointer(as: Float.self)
        if let scoreBias {
            arguments.bias = UnsafePointer(scoreBias.pointer(as: Float.self))
            arguments.bias_strides = scoreBiasStrides(scoreBias)
        }
        if let keyPadding { arguments.key_padding = UnsafePointer(keyPadding.pointer(as: Float.self)) }
        queryOffsets.withUnsafeBufferPointer { qo in
            keyOffsets.withUnsafeBufferPointer { ko in
                arguments.query_offsets = qo.baseAddress; arguments.kv_offsets = ko.baseAddress
                let shared = UncheckedSendable(value: arguments)
                Parallel.forEach(count: Int(vans_attention_forward_task_count(&arguments))) { range in
                    var local = shared.value
                    let status = vans_attention_forward(&local, Int64(range.lowerBound), Int64(range.upperBound))
                    precondition(status == 0, "attention: out of memory for scratch tiles")
                }
            }
        }
        let inputs = [q, k, v] + (scoreBias.map { [$0] } ?? [])
        return Autograd.record(output, operation: "scaled_dot_product_attention", inputs: inputs) { gradient in
            let upstream = gradient.rowContiguous
            let queryGrad = Tensor(shape: q.shape, zeroed: false), keyGrad = Tensor(shape: k.shape, zeroed: false)
            let valueGrad = Tensor(shape: v.shape, zeroed: false)
            var backward = arguments
            backward.output_grad = UnsafePointer(upstream.pointer(as: Float.self)); backward.output_grad_strides = attentionStrides(upstream)
            backward.query_grad = queryGrad.pointer(as: Float.self); backward.query_grad_strides = attentionStrides(queryGrad)
            backward.key_grad = keyGrad.pointer(as: Float.self); backward.key_grad_strides = attentionStrides(keyGrad)
            backward.value_grad = valueGrad.pointer(as: Float.self); backward.value_grad_strides = attentionStrides(valueGrad)
            // The full score gradient only when the bias learns (umT5); reduced to the bias's shape below.
            let scoreGrad = scoreBias?.requiresGradient == true ? Tensor(shape: [batch, queryHeads, queryLength, kvLength]) : nil
            backward.bias_grad = scoreGrad?.pointer(as: Float.self)
            // Keep every buffer the C arguments point at alive until the kernels finish.
            withExtendedLifetime((q, k, v, output, logSumExp, scoreBias, keyPadding)) {
                queryOffsets.withUnsafeBufferPointer { qo in
                    keyOffsets.withUnsafeBufferPointer { ko in
                        backward.query_offsets = qo.baseAddress; backward.kv_offsets = ko.baseAddress
                        let shared = UncheckedSendable(value: backward)
                        Parallel.forEach(count: Int(vans_attention_backward_task_count(&backward))) { range in
                            var local = shared.value
                            let status = vans_attention_backward(&local, Int64(range.lowerBound), Int64(range.upperBound))
                            precondition(status == 0, "attention backward: out of memory for scratch tiles")
                        }
                    }
                }
            }
            guard let scoreBias else { return [queryGrad, keyGrad, valueGrad] }
            return [queryGrad, keyGrad, valueGrad, scoreGrad?.summed(toShape: scoreBias.shape)]
        }
    }

    /// Float32 with a contiguous last axis (what the row-strided kernels read).
    var rowContiguous: Tensor {
        let float = asFloat32
        return float.strides.last == 1 || float.shape.last == 1 ? float : float.contiguous()
    }
}

/// (batch, head, row) strides of a rank-4 tensor, 0 on size-1 (broadcast) axes.
private func scoreBiasStrides(_ tensor: Tensor) -> (Int64, Int64, Int64) {
    func stride(_ axis: Int) -> Int64 { tensor.shape[axis] == 1 ? 0 : Int64(tensor.strides[axis]) }
    return (stride(0), stride(1), stride(2))
}

/// (batch, head, row) strides of a rank-4 tensor.
private func attentionStrides(_ tensor: Tensor) -> (Int64, Int64, Int64) {
    (Int64(tensor.strides[0]), Int64(tensor.strides[1]), Int64(tensor.strides[2]))
}
