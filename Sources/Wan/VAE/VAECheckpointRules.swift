// The Wan2.1 VAE's checkpoint rule table: the official `Wan2.1_VAE.pth` names (Wan-Video/Wan2.1
// `wan/modules/vae.py`) renamed to diffusers' (`autoencoder_kl_wan.py`), as diffusers'
// `convert_wan_vae_to_diffusers` (loaders/single_file_utils.py; scripts/convert_wan_to_diffusers.py) does,
// generalised from the 1.3B shape to any `dim_mult` / `num_res_blocks`. Diffusers keys pass through.
import NN

extension CheckpointRules {
    /// The rules mapping an official or diffusers-layout Wan2.1 VAE onto diffusers' keys.
    ///
    /// The encoder's flat `downsamples` list keeps its indices; the decoder's flat `upsamples` list
    /// (per stage: `num_res_blocks + 1` residual blocks, an attention block after each at `attn_scales`,
    /// then a resampler) is split into `up_blocks.i.resnets.j` / `up_blocks.i.upsamplers.0`. The official
    /// decoder's attention blocks (absent from every released Wan2.1 VAE, and from diffusers' model) are
    /// left unrenamed, so loading reports them as unused keys.
    public static func wanVAE(_ configuration: WanVAEConfiguration) -> CheckpointRules {
        var rules: [CheckpointRule] = [
            .rename(pattern: #"^conv1\."#, to: "quant_conv."),
            .rename(pattern: #"^conv2\."#, to: "post_quant_conv."),
            .rename(pattern: #"^(encoder|decoder)\.conv1\."#, to: "$1.conv_in."),
            .rename(pattern: #"^encoder\.downsamples\."#, to: "encoder.down_blocks."),
            .rename(pattern: #"^(encoder|decoder)\.middle\.0\."#, to: "$1.mid_block.resnets.0."),
            .rename(pattern: #"^(encoder|decoder)\.middle\.1\."#, to: "$1.mid_block.attentions.0."),
            .rename(pattern: #"^(encoder|decoder)\.middle\.2\."#, to: "$1.mid_block.resnets.1."),
            .rename(pattern: #"^(encoder|decoder)\.head\.0\."#, to: "$1.norm_out."),
            .rename(pattern: #"^(encoder|decoder)\.head\.2\."#, to: "$1.conv_out."),
        ]
        // The official decoder list, index by index (wan/modules/vae.py `Decoder3d.__init__`).
        let stages = configuration.dimensionMultipliers.count
        var index = 0
        var scale = 1.0 / Double(1 << max(stages - 2, 0))
        if stages < 2 { scale = 2 }  // 2**-(len - 2) with one stage
        for stage in 0..<stages {
            for block in 0...configuration.residualBlocks {
                rules.append(.rename(pattern: "^decoder\\.upsamples\\.\(index)\\.",
                                     to: "decoder.up_blocks.\(stage).resnets.\(block)."))
                index += 1
                if configuration.attentionScales.contains(scale) { index += 1 }
            }
            if stage != stages - 1 {
                rules.append(.rename(pattern: "^decoder\\.upsamples\\.\(index)\\.", to: "decoder.up_blocks.\(stage).upsamplers.0."))
                index += 1
                scale *= 2
            }
        }
        // Inside residual blocks: nn.Sequential(RMS_norm, SiLU, conv, RMS_norm, SiLU, Dropout, conv) and `shortcut`.
        rules += [
            .rename(pattern: #"\.residual\.0\."#, to: ".norm1."),
            .rename(pattern: #"\.residual\.2\."#, to: ".conv1."),
            .rename(pattern: #"\.residual\.3\."#, to: ".norm2."),
            .rename(pattern: #"\.residual\.6\."#, to: ".conv2."),
            .rename(pattern: #"\.shortcut\."#, to: ".conv_shortcut."),
        ]
        return CheckpointRules(rules)
    }
}
