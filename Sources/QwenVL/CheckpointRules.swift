// Qwen2.5-VL's checkpoint rule table: transformers' `Qwen2_5_VLForConditionalGeneration`
// `_checkpoint_conversion_mapping` (modeling_qwen2_5_vl.py), plus the tie and the patch-embed reshape.
// Both published layouts — the hub's `visual.*` / `model.*` and transformers ≥ 4.52's module tree
// `model.visual.*` / `model.language_model.*` — normalise to the module tree.
import NN

extension CheckpointRules {
    /// The rules mapping either Qwen2.5-VL checkpoint layout onto the module tree
    /// (`model.visual.*`, `model.language_model.*`, `lm_head.weight`).
    ///
    /// - Parameter tieWordEmbeddings: the config's `tie_word_embeddings` (true for the 3B model), under
    ///   which a checkpoint without `lm_head.weight` reuses the token embedding.
    public static func qwen25VL(tieWordEmbeddings: Bool = true) -> CheckpointRules {
        var rules: [CheckpointRule] = [
            .rename(pattern: #"^visual\."#, to: "model.visual."),
            // Every other `model.` key is the language model's, unless it is already in the module tree.
            .rename(pattern: #"^model\.(?!language_model\.|visual\.)"#, to: "model.language_model."),
            // Computed from the config, never loaded (older exports stored them).
            .drop(pattern: #"\.rotary_emb\.inv_freq$"#),
            // Conv3d(3→1280, kernel = stride = (2, 14, 14)) over whole patches is a Linear over the
            // flattened patch: [1280, 3, 2, 14, 14] → [1280, 1176], in the processor's (C, t, y, x) order.
            .flatten(pattern: #"^model\.visual\.patch_embed\.proj\.weight$"#, fromAxis: 1),
        ]
        if tieWordEmbeddings {
            rules.append(.tie("lm_head.weight", to: "model.language_model.embed_tokens.weight"))
        }
        return CheckpointRules(rules)
    }
}
