import Checkpoints
import Tensor
import Testing

@Suite("Fused attention with an additive bias and a key-padding mask vs PyTorch")
struct AttentionMaskTests {
    /// Runs `prefix` of kernels_attention_masked (scripts/fixtures/attention_masks.py) through the Tensor op and
    /// compares the output and every gradient with SDPA's.
    func check(_ prefix: String, causal: Bool) throws {
        let f = try KernelFixture("kernels_attention_masked")
        let names = Set(f.file.tensorNames)
        let q = try f.leaf("\(prefix).query"), k = try f.leaf("\(prefix).key"), v = try f.leaf("\(prefix).value")
        let bias = names.contains("\(prefix).bias") ? try f.leaf("\(prefix).bias") : nil
        let padding = names.contains("\(prefix).key_padding") ? try f.file.tensor("\(prefix).key_padding") : nil
        let output = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: causal, bias: bias,
                                                      keyPaddingMask: padding)
        #expect(try kernelRelativeError(output, f, "\(prefix).output") <= 1e-5)
        try backpropagate(output, f, prefix)
        #expect(try kernelRelativeError(q.gradient, f, "\(prefix).query_grad") <= 1e-4)
        #expect(try kernelRelativeError(k.gradient, f, "\(prefix).key_grad") <= 1e-4)
        #expect(try kernelRelativeError(v.gradient, f, "\(prefix).value_grad") <= 1e-4)
        if let bias {
            #expect(try kernelRelativeError(bias.gradient, f, "\(prefix).bias_grad") <= 1e-4)
        }
    }

    // Full [B, H, Lq, Lk] bias with GQA, Lq ≠ Lk, head dim 24 and left+right padding on one batch row.
    @Test func biasAndPadding() throws { try check("bias_padding", causal: false) }

    // A [1, H, L, L] bias shared by the batch (umT5), causal, over two query tiles; left padding leaves
    // causal rows with no key at all, which are zero with zero gradients as in torch.
    @Test func sharedBiasCausalWithRowsThatSeeNothing() throws { try check("shared_bias_causal", causal: true) }

    // Key padding alone, head dim 48, a batch row that is all padding.
    @Test func paddingOnly() throws { try check("padding_only", causal: false) }

    // A bias broadcast over heads and query rows ([B, 1, 1, Lk]) gets its gradient summed over them.
    @Test func broadcastBias() throws { try check("row_bias", causal: false) }

    // A float mask of -inf over whole rows gives zero rows and zero gradients (torch's safe softmax).
    @Test func biasHidingWholeRows() throws { try check("hidden_rows", causal: true) }

    // Padding that hides nothing, and a zero bias, leave the plain kernel's result bit for bit.
    @Test func neutralTermsChangeNothing() {
        var random = RandomGenerator(seed: 31)
        let q = random.normal([2, 4, 70, 16]), k = random.normal([2, 2, 70, 16]), v = random.normal([2, 2, 70, 16])
        let plain = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true)
        let masked = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true, bias: Tensor.zeros([1, 1, 1, 70]),
                                                      keyPaddingMask: Tensor(bools: [Bool](repeating: false, count: 140), shape: [2, 70]))
        #expect(plain.scalars == masked.scalars)
    }

    // bf16 probabilities against PyTorch's CPU flash kernel on bf16 tensors (scripts/fixtures/attention_bf16.py):
    // its fast exp, the exponentials rounded to bf16 before they weight the values, then the output rounded to bf16
    // gives its outputs bit for bit (up to float32 summation order), where float32 probabilities miss a quarter.
    @Test(arguments: ["causal_gqa", "tail_keys", "segments", "padding"])
    func probabilitiesRoundedToBFloat16MatchPyTorch(prefix: String) throws {
        let f = try KernelFixture("kernels_attention_bf16")
        let names = Set(f.file.tensorNames)
        let q = try f.tensor("\(prefix).query"), k = try f.tensor("\(prefix).key"), v = try f.tensor("\(prefix).value")
        let segments = names.contains("\(prefix).offsets") ? AttentionSegments(offsets: try f.integers("\(prefix).offsets")) : nil
        let padding = names.contains("\(prefix).key_padding")
            ? try f.file.tensor("\(prefix).key_padding").converted(to: .int64).notEqual(Tensor(scalar: 0)) : nil
        func attention(rounding: Bool) -> [Float] {
            Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: prefix == "causal_gqa", segments: segments,
                                             keyPaddingMask: padding, roundingProbabilitiesToBFloat16: rounding)
                .converted(to: .bfloat16).scalars
        }
        let expected = try f.floats("\(prefix).output")
        func equalShare(_ values: [Float]) -> Double {
            Double(zip(values, expected).filter { $0 == $1 }.count) / Double(expected.count)
        }
        let (rounded, plain) = (equalShare(attention(rounding: true)), equalShare(attention(rounding: false)))
        #expect(rounded >= 0.995, "\(prefix): \(rounded) of the outputs equal PyTorch's")
        #expect(plain <= 0.9, "\(prefix): float32 probabilities already give \(plain)")
    }
}
