// Mirrors diffusers' transformer_wan.py `WanTransformer3DModel` (official `wan/modules/model.py` `WanModel`):
// patch embedding, condition embedder, the block stack, the head with its own [1, 2, dim] table (added to the
// un-projected temb, no SiLU) and unpatchify; plus VANS's reference-frame sequence conditioning.
import Checkpoints
import Foundation
import NN
import Tensor

/// Wan2.1's diffusion transformer. Loads diffusers' `transformer/` directory (config.json + safetensors,
/// sharded or not) and the official key layout through `CheckpointRules.wanTransformer`.
///
/// ```swift
/// let model = try WanTransformer3DModel.load(directory: pipeline.appendingPathComponent("transformer"))
/// let velocity = try model(latents, timesteps: [999], context: promptEmbeds)
/// ```
public final class WanTransformer3DModel: Module {
    public let configuration: WanTransformerConfiguration
    @ModuleInfo(key: "patch_embedding") var patchEmbedding: WanPatchEmbedding
    @ModuleInfo(key: "condition_embedder") var conditionEmbedder: WanConditionEmbedder
    @ModuleInfo(key: "blocks") var blocks: [WanTransformerBlock]
    @ModuleInfo(key: "proj_out") var outputProjection: Linear
    /// [1, 2, dim]: shift and scale of the output norm.
    @ParameterInfo(key: "scale_shift_table") var outputModulationTable: Tensor
    /// Recompute each block's activations in backward instead of keeping them (training memory; same gradients).
    public var gradientCheckpointing = false
    /// With bf16 weights, run the blocks' projections bf16 × bf16 as diffusers' bf16 DiT does (faster; activations
    /// rounded to bf16; transposed weights prepared when set, so set it after loading). Off: float32 activations
    /// against exactly widened weights (the conformance path).
    public var bfloat16Activations = false {
        didSet {
            for block in blocks {
                block.selfAttention.setBFloat16Activations(bfloat16Activations)
                block.crossAttention.setBFloat16Activations(bfloat16Activations)
                block.feedForward.setBFloat16Activations(bfloat16Activations)
            }
        }
    }

    /// A model of `configuration` with shape-only parameters (no memory until `load` binds a checkpoint).
    public init(configuration: WanTransformerConfiguration, dtype: DType = .float32) {
        self.configuration = configuration
        let dimension = configuration.hiddenSize
        super.init()
        patchEmbedding = WanPatchEmbedding(inputChannels: configuration.inputChannels, dimension: dimension,
                                           patchSize: configuration.patchSize, dtype: dtype)
        conditionEmbedder = WanConditionEmbedder(configuration: configuration, dtype: dtype)
        blocks = (0..<configuration.layers).map { _ in WanTransformerBlock(configuration: configuration, dtype: dtype) }
        outputProjection = Linear(reserving: dimension, configuration.outputChannels * configuration.patchSize.reduce(1, *), dtype: dtype)
        outputModulationTable = .reserved([1, 2, dimension], dtype: dtype)
    }

    public override var checkpointRules: CheckpointRules { .wanTransformer }

    /// Loads `directory` (diffusers `transformer/`: config.json and the safetensors beside it, memory-mapped).
    /// Tensors keep their stored dtype (bf16 stays bf16) unless `dtype` is given (`.float32` widens exactly).
    public static func load(directory: URL, dtype: DType? = nil) throws(WanError) -> WanTransformer3DModel {
        let configuration: WanTransformerConfiguration
        let weights: [String: Tensor]
        do {
            configuration = try WanTransformerConfiguration.load(from: directory.appendingPathComponent("config.json"))
            weights = try SafetensorsCheckpoint(url: directory).allTensors(mapped: true)
        } catch {
            throw .checkpoint(error)
        }
        try checkSizes(configuration, file: directory.appendingPathComponent("config.json").path)
        let model = WanTransformer3DModel(configuration: configuration)
        do {
            try model.load(weights: weights, dtype: dtype)
        } catch {
            throw .weights(file: directory.path, error)
        }
        return model
    }

    /// The velocity prediction for `hiddenStates` [B, C_in, F, H, W] at `timesteps` (B values, or one for all;
    /// integer-valued as the UniPC schedule gives, or fractional as diffusers' Euler schedule gives), with
    /// `context` [B, S, text_dim] (the zero-padded umT5 rows, attended un-masked).
    ///
    /// - `imageContext`: [B, S_img, image_dim] CLIP image tokens, required by I2V models with `image_dim`.
    /// - `references`: clean reference latents [B, C_in, F_ref, H, W] prepended along time (sequence
    ///   conditioning): RoPE frame positions continue over them, and their outputs are dropped.
    /// - Returns: [B, C_out, F, H, W] float32.
    public func callAsFunction(_ hiddenStates: Tensor, timesteps: [Float], context: Tensor, imageContext: Tensor? = nil,
                               references: Tensor? = nil) throws(WanError) -> Tensor {
        let batch = try validate(hiddenStates, name: "hidden_states")
        guard timesteps.count == batch || timesteps.count == 1 else {
            throw .invalidInput(name: "timestep", reason: "has \(timesteps.count) values for a batch of \(batch)")
        }
        guard context.rank == 3, context.shape[0] == batch, context.shape[2] == configuration.textDimension else {
            throw .invalidInput(name: "encoder_hidden_states",
                                reason: "shape \(context.shape), expected [\(batch), S, \(configuration.textDimension)]")
        }
        if let imageDimension = configuration.imageDimension {
            guard let imageContext, imageContext.rank == 3, imageContext.shape[0] == batch, imageContext.shape[2] == imageDimension else {
                throw .invalidInput(name: "encoder_hidden_states_image",
                                    reason: "this I2V model needs [\(batch), S_img, \(imageDimension)], got \(imageContext.map { "\($0.shape)" } ?? "none")")
            }
        } else if imageContext != nil {
            throw .invalidInput(name: "encoder_hidden_states_image", reason: "the model has no image embedder (image_dim is null)")
        }
        var input = hiddenStates.converted(to: .float32)
        var referenceFrames = 0
        if let references {
            _ = try validate(references, name: "references")
            guard references.shape[0] == batch, Array(references.shape[3...]) == Array(hiddenStates.shape[3...]) else {
                throw .invalidInput(name: "references", reason: "shape \(references.shape) does not match hidden_states \(hiddenStates.shape)")
            }
            referenceFrames = references.shape[2]
            input = Tensor.concatenate([references.converted(to: .float32), input], axis: 2)  // [B, C, F_ref + F, H, W]
        }
        let (pt, ph, pw) = (configuration.patchSize[0], configuration.patchSize[1], configuration.patchSize[2])
        let (frames, height, width) = (input.shape[2] / pt, input.shape[3] / ph, input.shape[4] / pw)
        let rotary = RotaryTable.wan(frames: frames, height: height, width: width, dimension: configuration.attentionHeadDimension)

        var hidden = patchEmbedding(input)  // [B, L, dim]
        let perSample = timesteps.count == 1 ? Array(repeating: timesteps[0], count: batch) : timesteps
        let time = conditionEmbedder.time(perSample)
        var runs = [(length: hidden.shape[1], projection: time.projection, embedding: time.embedding)]
        if referenceFrames > 0, configuration.conditioning.referenceTimestep == .zero {
            let clean = conditionEmbedder.time(Array(repeating: 0, count: batch))
            let referenceTokens = referenceFrames / pt * height * width
            runs = [(referenceTokens, clean.projection, clean.embedding),
                    (hidden.shape[1] - referenceTokens, time.projection, time.embedding)]
        }
        let segments = WanModulationSegments(runs: runs)
        let text = conditionEmbedder.textEmbedder(context.converted(to: .float32))
        let image = imageContext.map { conditionEmbedder.imageEmbedder!($0.converted(to: .float32)) }
        for block in blocks {
            hidden = gradientCheckpointing && Autograd.isRecording
                ? WanBlockCheckpoint.run(block, hidden: hidden, context: text, imageContext: image, time: segments, rotary: rotary)
                : block(hidden, context: text, imageContext: image, time: segments, rotary: rotary)
        }
        let table = outputModulationTable.converted(to: .float32)
        hidden = segments.map(hidden) { part, run in
            let shiftScale = table + segments.runs[run].embedding.unsqueezed(1)  // [B, 2, dim]
            let shift = shiftScale.narrowed(axis: 1, start: 0, length: 1), scale = shiftScale.narrowed(axis: 1, start: 1, length: 1)
            return part.layerNorm(weight: nil, bias: nil, epsilon: Float(configuration.epsilon)) * (scale + 1) + shift
        }
        let patches = outputProjection(hidden)  // [B, L, C_out·pt·ph·pw]
        let channels = configuration.outputChannels
        var output = patches.reshaped([batch, frames, height, width, pt, ph, pw, channels])
            .permuted([0, 7, 1, 4, 2, 5, 3, 6])                                     // [B, C, F', pt, H', ph, W', pw]
            .reshaped([batch, channels, frames * pt, height * ph, width * pw])
        if referenceFrames > 0 {
            output = output.narrowed(axis: 2, start: referenceFrames, length: output.shape[2] - referenceFrames).contiguous()
        }
        return output
    }

    /// Refuses configurations whose parameter sizes overflow (hostile or corrupt config.json) before any allocation.
    static func checkSizes(_ configuration: WanTransformerConfiguration, file: String) throws(WanError) {
        let limit = 1 << 40
        func product(_ factors: [Int]) -> Int? {
            var result = 1
            for factor in factors {
                let (next, overflow) = result.multipliedReportingOverflow(by: factor)
                guard !overflow, next <= limit else { return nil }
                result = next
            }
            return result
        }
        let c = configuration
        let checks: [(String, [Int])] = [
            ("num_attention_heads × attention_head_dim", [c.attentionHeads, c.attentionHeadDimension, 6, c.attentionHeads, c.attentionHeadDimension]),
            ("ffn_dim", [c.feedForwardDimension, c.attentionHeads, c.attentionHeadDimension]),
            ("text_dim", [c.textDimension, c.attentionHeads, c.attentionHeadDimension]),
            ("in_channels × patch_size", [c.inputChannels, c.attentionHeads, c.attentionHeadDimension] + c.patchSize),
            ("out_channels × patch_size", [c.outputChannels, c.attentionHeads, c.attentionHeadDimension] + c.patchSize),
            ("freq_dim", [c.frequencyDimension, c.attentionHeads, c.attentionHeadDimension]),
            ("image_dim", [c.imageDimension ?? 1, c.imageDimension ?? 1]),
            ("added_kv_proj_dim", [c.addedKeyValueProjectionDimension ?? 1, c.attentionHeads, c.attentionHeadDimension]),
            ("num_layers", [c.layers, c.attentionHeads, c.attentionHeadDimension]),
        ]
        for (key, factors) in checks where product(factors) == nil {
            throw .checkpoint(.invalidConfig(file: file, key: key, reason: "sizes are too large for any model (overflow)"))
        }
    }

    /// Checks a [B, C_in, F, H, W] input against the patch size; returns B.
    private func validate(_ x: Tensor, name: String) throws(WanError) -> Int {
        guard x.rank == 5, x.dtype.isFloatingPoint else {
            throw .invalidInput(name: name, reason: "expected a floating-point [B, C, F, H, W] tensor, got \(x.dtype) \(x.shape)")
        }
        guard x.shape[1] == configuration.inputChannels else {
            throw .invalidInput(name: name, reason: "has \(x.shape[1]) channels, the model takes \(configuration.inputChannels)")
        }
        for (axis, patch) in zip(2..<5, configuration.patchSize) where x.shape[axis] % patch != 0 || x.shape[axis] == 0 {
            throw .invalidInput(name: name, reason: "size \(x.shape[axis]) of axis \(axis) is not a positive multiple of the patch size \(patch)")
        }
        guard x.shape[0] > 0 else { throw .invalidInput(name: name, reason: "empty batch") }
        return x.shape[0]
    }
}
