// Loading AutoencoderKLWan from a diffusers `vae/` directory (diffusers `ModelMixin.from_pretrained`) or from a
// state dict with official or diffusers names (what the `.pth` reader returns), always verified key by key.
import Checkpoints
import Foundation
import NN
import Tensor

extension AutoencoderKLWan {
    /// Loads `directory/config.json` and the directory's safetensors (memory-mapped, dtype as stored unless
    /// `dtype` is given). Unused, missing or mis-shaped keys are errors naming them.
    public static func load(directory: URL, dtype: DType? = nil) throws(WanVAEError) -> AutoencoderKLWan {
        let configuration: WanVAEConfiguration
        var weights: [String: Tensor] = [:]
        do {
            configuration = try WanVAEConfiguration.load(from: directory.appendingPathComponent("config.json"))
            let checkpoint = try SafetensorsCheckpoint(url: directory)
            for file in checkpoint.files {
                for (name, tensor) in try file.allTensors(mapped: true) { weights[name] = tensor }
            }
        } catch {
            throw .file(error)
        }
        return try load(configuration: configuration, weights: weights, dtype: dtype)
    }

    /// A model of `configuration` holding `weights` (official or diffusers keys), converted to `dtype` when given.
    public static func load(configuration: WanVAEConfiguration, weights: [String: Tensor],
                            dtype: DType? = nil) throws(WanVAEError) -> AutoencoderKLWan {
        do { try configuration.validate() } catch {
            throw .file(.invalidConfig(file: "vae configuration", key: error.key, reason: error.reason))
        }
        // The encoder visits scales 1, 1/2, … 1/2^(stages−1); an attention block there makes diffusers' own
        // encoder fail (WanAttentionBlock.forward gets feat_cache), so there is no reference to match.
        let encoderScales = (0..<configuration.dimensionMultipliers.count).map { 1 / Double(1 << $0) }
        if let scale = configuration.attentionScales.first(where: encoderScales.contains) {
            throw .file(.invalidConfig(file: "vae configuration", key: "attn_scales",
                                       reason: "scale \(scale) puts an attention block in the encoder, which diffusers' AutoencoderKLWan cannot run and no Wan2.1 VAE has"))
        }
        let model = AutoencoderKLWan(configuration: configuration)
        do { try model.load(weights: weights, dtype: dtype) } catch { throw .weights(error) }
        return model
    }

    /// Fills every weight and bias as torch's default initialisation does (U(±1/√fan_in)) and every norm gain
    /// with U(0.5, 1.5), reproducibly from `seed`: random weights of the real shape for benchmarks.
    public func randomize(seed: UInt64) {
        var generator = RandomGenerator(seed: seed)
        let current = self.parameters()
        var parameters: [String: Tensor] = [:]
        for (key, tensor) in current.sorted(by: { $0.key < $1.key }) {
            if key.hasSuffix(".gamma") {
                parameters[key] = generator.uniform(tensor.shape, low: 0.5, high: 1.5)
            } else {
                // Bias [out] shares its weight's fan-in; a weight's fan-in is in · kernel.
                let weightKey = key.hasSuffix(".bias") ? String(key.dropLast(4)) + "weight" : key
                let weightShape = current[weightKey]?.shape ?? tensor.shape
                let fanIn = weightShape.dropFirst().reduce(1, *)
                let bound = 1 / Float(max(fanIn, 1)).squareRoot()
                parameters[key] = generator.uniform(tensor.shape, low: -bound, high: bound)
            }
        }
        // Same keys and shapes as the model's own, so this cannot fail.
        try? update(parameters: parameters)
    }
}
