// A tiny size of diffusers' Wan2.1 text-to-video pipeline (pipelines/wan/pipeline_wan.py: WanTransformer3DModel,
// AutoencoderKLWan, transformers' UMT5EncoderModel, UniPCMultistepScheduler) for the VANS-Synth world: the same
// architectures and code paths as Wan2.1-T2V-1.3B, at widths a 2-core CPU trains in minutes.
import Checkpoints
import Foundation

/// A named size of the Wan2.1 pipeline: the three model configurations, the scheduler and the render profile.
///
/// ``vansSynth(vocabularySize:)`` is what VANS-Synth pretraining starts from: a causal 3-D VAE of base width 16
/// and z_dim 8 (dim_mult [1, 2, 2, 4], one residual block per stage, 4× temporal and 8× spatial compression, so
/// a 17-frame 64×64 clip is 8 × 5 × 8 × 8 latents), a 2-layer umT5 encoder of width 64 (4 heads of 16, gated-GELU
/// FFN 128), and a 4-block DiT of width 128 (4 heads of 32, FFN 256, text_dim 64, freq_dim 64) whose
/// `vans_conditioning` is `sequence` with 6 reference frames: their one-frame VAE latents are prepended along
/// time, as the paper conditions on VAE latents of n input frames.
///
/// ```swift
/// let preset = WanPreset.vansSynth(vocabularySize: tokenizer.vocabularySize)
/// try preset.writeConfigurations(to: URL(fileURLWithPath: "vdm-base"))
/// ```
public struct WanPreset: Sendable, Equatable {
    public var name: String
    public var transformer: WanTransformerConfiguration
    public var vae: WanVAEConfiguration
    public var textEncoder: UMT5Configuration
    /// The flow shift of the UniPC scheduler config.
    public var flowShift: Double
    public var profile: WanRenderProfile

    /// The VANS-Synth size for a umT5 tokenizer of `vocabularySize` ids (pad 0, eos 1, unk 2 as umT5 has them).
    public static func vansSynth(vocabularySize: Int) -> WanPreset {
        var vae = WanVAEConfiguration()
        vae.baseDimension = 16
        vae.latentChannels = 8
        vae.dimensionMultipliers = [1, 2, 2, 4]
        vae.residualBlocks = 1
        vae.attentionScales = []
        vae.temporalDownsample = [false, true, true]
        // Identity statistics until pretraining measures the real ones over the training latents.
        vae.latentsMean = Array(repeating: 0, count: 8)
        vae.latentsStandardDeviation = Array(repeating: 1, count: 8)

        var text = UMT5Configuration()
        text.vocabularySize = vocabularySize
        text.modelDimension = 64
        text.keyValueDimension = 16
        text.attentionHeads = 4
        text.feedForwardDimension = 128
        text.layers = 2
        text.dropoutRate = 0
        text.padTokenId = 0
        text.eosTokenId = 1

        var transformer = WanTransformerConfiguration()
        transformer.attentionHeads = 4
        transformer.attentionHeadDimension = 32
        transformer.inputChannels = 8
        transformer.outputChannels = 8
        transformer.textDimension = 64
        transformer.frequencyDimension = 64
        transformer.feedForwardDimension = 256
        transformer.layers = 4
        transformer.conditioning = WanConditioningConfiguration(mode: .sequence, referenceFrames: 6)
        return WanPreset(name: "vans-synth", transformer: transformer, vae: vae, textEncoder: text, flowShift: 3,
                         profile: .vansSynth)
    }

    /// Checks all three configurations and that they fit together.
    public func validate() throws {
        do {
            try transformer.validate()
            try vae.validate()
            try textEncoder.validate()
        } catch {
            throw WanError.invalidInput(name: "preset \(name)", reason: "\(error.key): \(error.reason)")
        }
        guard transformer.inputChannels == vae.latentChannels, transformer.textDimension == textEncoder.modelDimension else {
            throw WanError.invalidInput(name: "preset \(name)", reason:
                "the DiT takes \(transformer.inputChannels) channels and text of width \(transformer.textDimension); the VAE has z_dim \(vae.latentChannels) and umT5 d_model \(textEncoder.modelDimension)")
        }
    }

    /// Writes model_index.json, every component's config.json, the scheduler config and vans_profile.json into
    /// `directory` (weights and the tokenizer are written by whoever trained them).
    public func writeConfigurations(to directory: URL) throws {
        try validate()
        let manager = FileManager.default
        for component in ["transformer", "vae", "text_encoder", "tokenizer", "scheduler"] {
            try manager.createDirectory(at: directory.appendingPathComponent(component), withIntermediateDirectories: true)
        }
        try Self.write(Self.modelIndex, to: directory.appendingPathComponent("model_index.json"))
        try Self.write(try Self.merged(transformer, ["_class_name": "WanTransformer3DModel", "_diffusers_version": "0.42.1",
                                                     "pos_embed_seq_len": NSNull()]),
                       to: directory.appendingPathComponent("transformer/config.json"))
        try Self.write(try Self.merged(vae, ["_class_name": "AutoencoderKLWan", "_diffusers_version": "0.42.1"]),
                       to: directory.appendingPathComponent("vae/config.json"))
        try Self.write(try Self.merged(textEncoder, ["architectures": ["UMT5EncoderModel"], "model_type": "umt5",
                                                     "is_encoder_decoder": true, "tie_word_embeddings": true,
                                                     "dense_act_fn": "gelu_new", "is_gated_act": true,
                                                     "num_decoder_layers": textEncoder.layers, "decoder_start_token_id": 0,
                                                     "dtype": "float32"]),
                       to: directory.appendingPathComponent("text_encoder/config.json"))
        try Self.write(schedulerConfiguration, to: directory.appendingPathComponent("scheduler/scheduler_config.json"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(profile).write(to: directory.appendingPathComponent(WanRenderProfile.fileName), options: .atomic)
    }

    static var modelIndex: [String: Any] { [
        "_class_name": "WanPipeline", "_diffusers_version": "0.42.1", "boundary_ratio": NSNull(), "expand_timesteps": false,
        "scheduler": ["diffusers", "UniPCMultistepScheduler"], "text_encoder": ["transformers", "UMT5EncoderModel"],
        "tokenizer": ["transformers", "T5Tokenizer"], "transformer": ["diffusers", "WanTransformer3DModel"],
        "transformer_2": [NSNull(), NSNull()], "vae": ["diffusers", "AutoencoderKLWan"],
    ] }

    /// diffusers' UniPCMultistepScheduler config as Wan2.1-T2V ships it, with this preset's flow shift.
    var schedulerConfiguration: [String: Any] {
        ["_class_name": "UniPCMultistepScheduler", "_diffusers_version": "0.42.1", "beta_end": 0.02, "beta_schedule": "linear",
         "beta_start": 0.0001, "disable_corrector": [Int](), "dynamic_thresholding_ratio": 0.995, "final_sigmas_type": "zero",
         "flow_shift": flowShift, "lower_order_final": true, "num_train_timesteps": 1000, "predict_x0": true,
         "prediction_type": "flow_prediction", "rescale_betas_zero_snr": false, "sample_max_value": 1.0,
         "shift_terminal": NSNull(), "sigma_max": NSNull(), "sigma_min": NSNull(), "solver_order": 2, "solver_p": NSNull(),
         "solver_type": "bh2", "steps_offset": 0, "thresholding": false, "time_shift_type": "exponential",
         "timestep_spacing": "linspace", "trained_betas": NSNull(), "use_beta_sigmas": false, "use_dynamic_shifting": false,
         "use_exponential_sigmas": false, "use_flow_sigmas": true, "use_karras_sigmas": false]
    }

    static func merged<Value: Encodable>(_ value: Value, _ extra: [String: Any]) throws -> [String: Any] {
        guard var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any] else {
            throw WanError.invalidInput(name: "preset", reason: "a configuration did not encode to a JSON object")
        }
        for (key, value) in extra { object[key] = value }
        return object
    }

    static func write(_ object: [String: Any], to url: URL) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: url, options: .atomic)
    }
}
