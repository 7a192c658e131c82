// What trains in Wan's DiT: all blocks (VANS's SFT, paper App. C.1) or LoRA on the attention projections
// (flow_grpo's Wan recipe: to_q, to_k, to_v, to_out.0), through NN's scoped `LoRA.apply`.
//
// Gradient checkpointing: the engine's tape (Sources/Tensor/Autograd.swift) has no recomputation facility of its
// own; `WanTransformer3DModel.gradientCheckpointing` builds one per block from `Autograd.record` and
// `Autograd.valueAndGradient` (WanBlockCheckpoint.swift).
import NN
import Tensor

public enum WanFineTuning {
    /// The attention projections flow_grpo adapts.
    public static let attentionTargets: LoRATargets = ["to_q", "to_k", "to_v", "to_out.0"]

    /// Full fine-tuning of the transformer blocks: freezes everything, then unfreezes `blocks`.
    /// Train in float32 (load with `dtype: .float32`): bf16 weights are inference-only.
    public static func trainBlocks(of model: WanTransformer3DModel) throws(NNError) {
        try model.freeze()
        try model.unfreeze(["blocks"])
    }

    /// LoRA of `rank` and `alpha` on the self- and cross-attention q, k, v, o of every block; only adapters train.
    @discardableResult
    public static func applyLoRA(to model: WanTransformer3DModel, rank: Int, alpha: Float, dropout: Float = 0,
                                 targets: LoRATargets = attentionTargets, initializer: inout RandomGenerator) throws(NNError) -> LoRAAdapters {
        try LoRA.apply(to: model, in: "blocks", targets: targets, rank: rank, alpha: alpha, dropout: dropout, initializer: &initializer)
    }
}
