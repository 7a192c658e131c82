import Testing
@testable import Tensor

/// The fused log-probability with the fixture's int64 tokens (they are valid, so it cannot throw).
private func logProbabilities(_ inputs: [String: Tensor]) -> Tensor {
    do { return try Tensor.tokenLogProbabilities(logits: inputs["logits"]!, tokens: inputs["tokens"]!) } catch {
        preconditionFailure("\(error)")
    }
}

/// Each op added for issue 9, keyed by its tensor_ops_more.py case name.
let moreConformanceCases: [String: @Sendable ([String: Tensor]) -> Tensor] = [
    "stack_axis0": { Tensor.stacked([$0["a"]!, $0["b"]!, $0["c"]!], axis: 0) },
    "stack_last": { Tensor.stacked([$0["a"]!, $0["b"]!], axis: -1) },
    "stack_middle_bf16": { Tensor.stacked([$0["a"]!, $0["b"]!, $0["c"]!], axis: 1) },
    "stack_negative": { Tensor.stacked([$0["a"]!, $0["b"]!], axis: -2) },
    "stack_int": { Tensor.stacked([$0["a"]!, $0["b"]!], axis: 1) },
    "pad_constant_last": { $0["x"]!.padded([1, 2], mode: .constant(0.5)) },
    "pad_constant_causal3d": { $0["x"]!.padded([1, 1, 1, 1, 2, 0]) },
    "pad_constant_crop": { $0["x"]!.padded([-1, 2, 1, -2], mode: .constant(-1)) },
    "pad_constant_all_axes_bf16": { $0["x"]!.padded([0, 1, 2, 0, 1, 1]) },
    "pad_replicate_1d": { $0["x"]!.padded([3, 1], mode: .replicate) },
    "pad_replicate_2d": { $0["x"]!.padded([2, 1, 0, 3], mode: .replicate) },
    "pad_replicate_3d": { $0["x"]!.padded([1, 2, 2, 0, 1, 1], mode: .replicate) },
    "pad_replicate_single": { $0["x"]!.padded([2, 2], mode: .replicate) },
    "topk_last": { $0["x"]!.topK(k: 3, axis: -1).values },
    "topk_last_indices": { $0["x"]!.topK(k: 3, axis: -1).indices },
    "topk_smallest_axis0": { $0["x"]!.topK(k: 2, axis: 0, largest: false).values },
    "topk_smallest_axis0_indices": { $0["x"]!.topK(k: 2, axis: 0, largest: false).indices },
    "topk_full_middle": { $0["x"]!.topK(k: 6, axis: 1).values },
    "topk_full_middle_indices": { $0["x"]!.topK(k: 6, axis: 1).indices },
    "topk_negative_axis_bf16": { $0["x"]!.topK(k: 4, axis: -2).values },
    "topk_negative_axis_bf16_indices": { $0["x"]!.converted(to: .bfloat16).topK(k: 4, axis: -2).indices },
    "topk_one": { $0["x"]!.topK(k: 1, axis: 1).values },
    "topk_one_indices": { $0["x"]!.topK(k: 1, axis: 1).indices },
    "cumsum_last": { $0["x"]!.cumulativeSum(axis: -1) },
    "cumsum_axis0": { $0["x"]!.cumulativeSum(axis: 0) },
    "cumsum_negative_bf16": { $0["x"]!.cumulativeSum(axis: -2) },
    "cumsum_int": { $0["m"]!.cumulativeSum(axis: -1) - 1 },
    "cumsum_bool": { $0["m"]!.cumulativeSum(axis: 0) },
    "cumsum_long": { $0["x"]!.cumulativeSum(axis: 0) },
    "cross_entropy_none": { $0["logits"]!.crossEntropy(targets: $0["t"]!, reduction: .none) },
    "cross_entropy_sum": { $0["logits"]!.crossEntropy(targets: $0["t"]!, reduction: .sum) },
    "cross_entropy_mean_bf16": { $0["logits"]!.crossEntropy(targets: $0["t"]!) },
    "token_logprob": logProbabilities, "token_logprob_batched": logProbabilities, "token_logprob_bf16": logProbabilities,
    "rms_norm_channels": { $0["x"]!.rmsNorm(weight: $0["w"]!, epsilon: 1e-6, axis: 1) },
    "rms_norm_channels_blocks": { $0["x"]!.rmsNorm(weight: nil, epsilon: 1e-5, axis: 1) },
    "rms_norm_last": { $0["x"]!.rmsNorm(weight: $0["w"]!, epsilon: 1e-6, axis: -1) },
    "rms_norm_middle_bf16": { $0["x"]!.rmsNorm(weight: $0["w"]!, epsilon: 1e-6, axis: -2) },
    "rms_norm_wan": { $0["x"]!.rmsNorm(weight: $0["g"]!.reshaped([-1]), epsilon: 0, axis: 1) },
    "layer_norm_channels": { $0["x"]!.layerNorm(weight: $0["w"]!, bias: $0["b"]!, epsilon: 1e-5, axis: 1) },
    "layer_norm_last": { $0["x"]!.layerNorm(weight: $0["w"]!, bias: $0["b"]!, epsilon: 1e-5, axis: -1) },
    "layer_norm_first": { $0["x"]!.layerNorm(weight: $0["w"]!, bias: $0["b"]!, epsilon: 1e-5, axis: 0) },
    "group_norm_channels_last": { $0["x"]!.groupNorm(groups: 4, weight: $0["w"]!, bias: $0["b"]!, epsilon: 1e-5, channelAxis: -1) },
    "group_norm_middle_bf16": { $0["x"]!.groupNorm(groups: 2, weight: $0["w"]!, bias: $0["b"]!, epsilon: 1e-6, channelAxis: 2) },
    "group_norm_channels_first": { $0["x"]!.groupNorm(groups: 3, weight: $0["w"]!, bias: $0["b"]!, epsilon: 1e-6) },
]

@Suite("Conformance with PyTorch (tensor_ops_more.py fixtures)")
struct MoreConformanceTests {
    // Forward within 1e-5 and gradients within 1e-4 of torch; `_bf16` cases feed the op bfloat16 inputs
    // (torch computed in float32 on the same bf16-rounded values).
    @Test(arguments: moreConformanceCases.keys.sorted())
    func matchesTorch(caseName: String) throws {
        let function = try #require(moreConformanceCases[caseName])
        let bfloat16 = caseName.hasSuffix("_bf16")
        try expectMatchesTorch(ReferenceFixture.more, caseName: caseName) { inputs in
            function(bfloat16 ? inputs.mapValues { $0.dtype == .float32 ? $0.converted(to: .bfloat16) : $0 } : inputs)
        }
    }

    // Every case in tensor_ops_more.safetensors has an engine counterpart.
    @Test func everyFixtureCaseIsCovered() {
        let uncovered = ReferenceFixture.more.caseNames.subtracting(moreConformanceCases.keys)
        #expect(uncovered.isEmpty, "fixture cases without a test: \(uncovered.sorted())")
    }
}
