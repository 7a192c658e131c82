// umT5 encoder checkpoint rule table: Wan's official layout (Wan-Video/Wan2.1 `wan/modules/t5.py`, `T5Encoder`
// with `shared_pos=False`, saved as `models_t5_umt5-xxl-enc-bf16.pth`) renamed to transformers'
// `UMT5EncoderModel` keys (`models/umt5/modeling_umt5.py`). A transformers-layout checkpoint passes unchanged.
import NN

extension CheckpointRules {
    /// The rules mapping an official Wan or transformers-layout umT5 encoder onto `UMT5EncoderModel`'s keys.
    public static let umt5Encoder: CheckpointRules = [
        .rename(pattern: #"^token_embedding\."#, to: "shared."),
        .rename(pattern: #"^norm\."#, to: "encoder.final_layer_norm."),
        .rename(pattern: #"^blocks\.(\d+)\.norm1\."#, to: "encoder.block.$1.layer.0.layer_norm."),
        .rename(pattern: #"^blocks\.(\d+)\.attn\.([qkvo])\."#, to: "encoder.block.$1.layer.0.SelfAttention.$2."),
        // umT5 gives every layer its own relative-position table (T5 shares the first layer's).
        .rename(pattern: #"^blocks\.(\d+)\.pos_embedding\.embedding\."#, to: "encoder.block.$1.layer.0.SelfAttention.relative_attention_bias."),
        .rename(pattern: #"^blocks\.(\d+)\.norm2\."#, to: "encoder.block.$1.layer.1.layer_norm."),
        // The official FFN is fc2(fc1(x) · gelu(gate(x))): `gate.0` is the GELU branch (wi_0), `fc1` the linear one (wi_1).
        .rename(pattern: #"^blocks\.(\d+)\.ffn\.gate\.0\."#, to: "encoder.block.$1.layer.1.DenseReluDense.wi_0."),
        .rename(pattern: #"^blocks\.(\d+)\.ffn\.fc1\."#, to: "encoder.block.$1.layer.1.DenseReluDense.wi_1."),
        .rename(pattern: #"^blocks\.(\d+)\.ffn\.fc2\."#, to: "encoder.block.$1.layer.1.DenseReluDense.wo."),
        // transformers ties the stack's embed_tokens to `shared`; files may hold either or both.
        .tie("shared.weight", to: "encoder.embed_tokens.weight"),
        .drop(pattern: #"^encoder\.embed_tokens\.weight$"#),
    ]
}
