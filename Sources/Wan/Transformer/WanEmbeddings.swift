// Mirrors diffusers' transformer_wan.py `WanTimeTextImageEmbedding` (Timesteps + TimestepEmbedding +
// PixArtAlphaTextProjection + WanImageEmbedding) and the Conv3d patch embedding of `WanTransformer3DModel`.
import Foundation
import NN
import Tensor

/// The Conv3d patch embedding (kernel = stride = patch) computed as one Linear over flattened patches.
/// The weight keeps the checkpoint's Conv3d shape [dim, C, pt, ph, pw], so both layouts load unchanged.
final class WanPatchEmbedding: Module {
    @ParameterInfo(key: "weight") var weight: Tensor
    @ParameterInfo(key: "bias") var bias: Tensor?
    let patchSize: [Int]

    init(inputChannels: Int, dimension: Int, patchSize: [Int], dtype: DType) {
        self.patchSize = patchSize
        super.init()
        weight = .reserved([dimension, inputChannels] + patchSize, dtype: dtype)
        bias = .reserved([dimension], dtype: dtype)
    }

    /// [B, C, F, H, W] → tokens [B, F'·H'·W', dim] in (f, h, w) row-major order.
    func callAsFunction(_ x: Tensor) -> Tensor {
        let (batch, channels) = (x.shape[0], x.shape[1])
        let (pt, ph, pw) = (patchSize[0], patchSize[1], patchSize[2])
        let (frames, height, width) = (x.shape[2] / pt, x.shape[3] / ph, x.shape[4] / pw)
        let patches = x.reshaped([batch, channels, frames, pt, height, ph, width, pw])  // [B, C, F', pt, H', ph, W', pw]
            .permuted([0, 2, 4, 6, 1, 3, 5, 7])                                         // [B, F', H', W', C, pt, ph, pw]
            .reshaped([batch, frames * height * width, channels * pt * ph * pw])
        let flatWeight = weight.reshaped([weight.shape[0], channels * pt * ph * pw])      // [dim, C·pt·ph·pw]
        return patches.linear(weight: flatWeight, bias: bias)
    }
}

/// Linear → activation → Linear, the shape of the time (SiLU) and text (GELU-tanh) embedders.
final class WanTwoLayerEmbedder: Module {
    @ModuleInfo(key: "linear_1") var first: Linear
    @ModuleInfo(key: "linear_2") var second: Linear
    let usesGELU: Bool

    init(input: Int, dimension: Int, usesGELU: Bool, dtype: DType) {
        self.usesGELU = usesGELU
        super.init()
        first = Linear(reserving: input, dimension, dtype: dtype)
        second = Linear(reserving: dimension, dimension, dtype: dtype)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let hidden = first(x)
        return second(usesGELU ? hidden.gelu(approximation: .tanh) : hidden.silu())
    }
}

/// I2V's CLIP image-token embedder: LayerNorm → Linear → GELU → Linear → LayerNorm (all fp32 in diffusers).
final class WanImageEmbedding: Module {
    @ModuleInfo(key: "norm1") var inputNorm: LayerNorm
    @ModuleInfo(key: "ff.net.0.proj") var projectIn: Linear
    @ModuleInfo(key: "ff.net.2") var projectOut: Linear
    @ModuleInfo(key: "norm2") var outputNorm: LayerNorm

    init(imageDimension: Int, dimension: Int, dtype: DType) {
        super.init()
        inputNorm = LayerNorm(weight: .reserved([imageDimension], dtype: dtype), bias: .reserved([imageDimension], dtype: dtype), epsilon: 1e-5)
        projectIn = Linear(reserving: imageDimension, imageDimension, dtype: dtype)
        projectOut = Linear(reserving: imageDimension, dimension, dtype: dtype)
        outputNorm = LayerNorm(weight: .reserved([dimension], dtype: dtype), bias: .reserved([dimension], dtype: dtype), epsilon: 1e-5)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        outputNorm(projectOut(projectIn(inputNorm(x)).gelu()))
    }
}

/// The condition embedder: timestep → (temb, 6-vector projection), text → context, image → image context.
final class WanConditionEmbedder: Module {
    @ModuleInfo(key: "time_embedder") var timeEmbedder: WanTwoLayerEmbedder
    @ModuleInfo(key: "time_proj") var timeProjection: Linear
    @ModuleInfo(key: "text_embedder") var textEmbedder: WanTwoLayerEmbedder
    @ModuleInfo(key: "image_embedder") var imageEmbedder: WanImageEmbedding? = nil
    let frequencyDimension: Int

    init(configuration: WanTransformerConfiguration, dtype: DType) {
        let dimension = configuration.hiddenSize
        frequencyDimension = configuration.frequencyDimension
        super.init()
        timeEmbedder = WanTwoLayerEmbedder(input: configuration.frequencyDimension, dimension: dimension, usesGELU: false, dtype: dtype)
        timeProjection = Linear(reserving: dimension, 6 * dimension, dtype: dtype)
        textEmbedder = WanTwoLayerEmbedder(input: configuration.textDimension, dimension: dimension, usesGELU: true, dtype: dtype)
        imageEmbedder = configuration.imageDimension.map { WanImageEmbedding(imageDimension: $0, dimension: dimension, dtype: dtype) }
    }

    /// diffusers' `Timesteps(flip_sin_to_cos=True, downscale_freq_shift=0)`: [cos(t·f) ‖ sin(t·f)] with
    /// f_i = exp(−ln(10000)·i/half), computed in float32 as torch does (the products round in float32).
    static func sinusoid(timesteps: [Float], dimension: Int) -> Tensor {
        let half = dimension / 2
        let frequencies = (0..<half).map { index -> Float in
            let exponent = (-Float(Foundation.log(10000.0)) * Float(index)) / Float(half)
            return Float(Foundation.exp(Double(exponent)))
        }
        var values = [Float](repeating: 0, count: timesteps.count * dimension)
        for (row, t) in timesteps.enumerated() {
            for i in 0..<half {
                let angle = t * frequencies[i]
                values[row * dimension + i] = Float(Foundation.cos(Double(angle)))
                values[row * dimension + half + i] = Float(Foundation.sin(Double(angle)))
            }
        }
        return Tensor(values, shape: [timesteps.count, dimension])
    }

    /// temb [N, dim] and its 6-vector projection [N, 6, dim] for N timesteps.
    func time(_ timesteps: [Float]) -> (embedding: Tensor, projection: Tensor) {
        let embedding = timeEmbedder(Self.sinusoid(timesteps: timesteps, dimension: frequencyDimension))
        let dimension = embedding.shape[1]
        let projection = timeProjection(embedding.silu()).reshaped([timesteps.count, 6, dimension])  // [N, 6, dim]
        return (embedding, projection)
    }
}
