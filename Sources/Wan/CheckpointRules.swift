// Wan2.1's DiT checkpoint rule table: the official layout (Wan-Video/Wan2.1 `wan/modules/model.py`)
// renamed to diffusers' (`transformer_wan.py`), after diffusers' `convert_wan_transformer_to_diffusers`
// (loaders/single_file_utils.py). A diffusers-layout checkpoint passes through unchanged.
import NN

extension CheckpointRules {
    /// The rules mapping an official or diffusers-layout Wan2.1 transformer onto diffusers' keys.
    public static let wanTransformer: CheckpointRules = [
        // Single-file exports nest the model under this prefix.
        .renamePrefix("model.diffusion_model.", to: ""),
        .rename(pattern: #"^time_embedding\.0\."#, to: "condition_embedder.time_embedder.linear_1."),
        .rename(pattern: #"^time_embedding\.2\."#, to: "condition_embedder.time_embedder.linear_2."),
        .rename(pattern: #"^text_embedding\.0\."#, to: "condition_embedder.text_embedder.linear_1."),
        .rename(pattern: #"^text_embedding\.2\."#, to: "condition_embedder.text_embedder.linear_2."),
        .rename(pattern: #"^time_projection\.1\."#, to: "condition_embedder.time_proj."),
        .rename(pattern: #"^blocks\.(\d+)\.self_attn\."#, to: "blocks.$1.attn1."),
        .rename(pattern: #"^blocks\.(\d+)\.cross_attn\."#, to: "blocks.$1.attn2."),
        .rename(pattern: #"^(blocks\.\d+\.attn[12])\.([qkv])\."#, to: "$1.to_$2."),
        .rename(pattern: #"^(blocks\.\d+\.attn[12])\.o\."#, to: "$1.to_out.0."),
        // Image-conditioned (I2V) models add a second key/value projection for the CLIP image tokens.
        .rename(pattern: #"^(blocks\.\d+\.attn2)\.([kv])_img\."#, to: "$1.add_$2_proj."),
        .rename(pattern: #"^(blocks\.\d+\.attn2)\.norm_k_img\."#, to: "$1.norm_added_k."),
        // The affine cross-attention norm is `norm3` officially and `norm2` in diffusers; the FFN norm
        // it swaps with has no parameters, so one direction suffices.
        .rename(pattern: #"^blocks\.(\d+)\.norm3\."#, to: "blocks.$1.norm2."),
        .rename(pattern: #"^blocks\.(\d+)\.ffn\.0\."#, to: "blocks.$1.ffn.net.0.proj."),
        .rename(pattern: #"^blocks\.(\d+)\.ffn\.2\."#, to: "blocks.$1.ffn.net.2."),
        .rename(pattern: #"^blocks\.(\d+)\.modulation$"#, to: "blocks.$1.scale_shift_table"),
        .rename(pattern: #"^head\.head\."#, to: "proj_out."),
        .rename(pattern: #"^head\.modulation$"#, to: "scale_shift_table"),
        .rename(pattern: #"^img_emb\.proj\.0\."#, to: "condition_embedder.image_embedder.norm1."),
        .rename(pattern: #"^img_emb\.proj\.1\."#, to: "condition_embedder.image_embedder.ff.net.0.proj."),
        .rename(pattern: #"^img_emb\.proj\.3\."#, to: "condition_embedder.image_embedder.ff.net.2."),
        .rename(pattern: #"^img_emb\.proj\.4\."#, to: "condition_embedder.image_embedder.norm2."),
    ]
}
