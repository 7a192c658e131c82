// CLIP benchmark workloads, mirrored by scripts/bench/clip_bench.py (transformers' CLIPModel on the same shapes).
import CLIP
import Checkpoints
import Tensor

/// The CLIP workloads `make bench` compares with PyTorch.
let clipWorkloads: [Workload] = [
    Workload(name: "clip_image_embed", summary: "CLIP ViT-B/32 image features (projected) of 64 frames at 224², random weights") {
        let model = randomVisionCLIP(seed: 20)
        var random = RandomGenerator(seed: 21)
        let pixels = random.normal([64, 3, 224, 224])
        return {
            do { return try model.imageFeatures(pixelValues: pixels).firstElement } catch { fatalError("\(error)") }
        }
    },
]

/// An `openai/clip-vit-base-patch32`-shaped model whose vision tower and projection hold random weights (N(0, 0.02),
/// layer norms at 1 and 0); the text tower stays reserved (no memory), as image embedding never reads it.
func randomVisionCLIP(seed: UInt64) -> CLIPModel {
    let model: CLIPModel
    do { model = try CLIPModel(configuration: CLIPConfiguration()) } catch { fatalError("\(error)") }
    var random = RandomGenerator(seed: seed)
    var weights: [String: Tensor] = [:]
    for (key, tensor) in model.parameters() where key.hasPrefix("vision_model.") || key == "visual_projection.weight" {
        let isNorm = key.contains("layernorm") || key.contains("layrnorm") || key.contains("layer_norm")
        if isNorm {
            weights[key] = key.hasSuffix(".weight") ? Tensor.ones(tensor.shape) : Tensor.zeros(tensor.shape)
        } else {
            weights[key] = random.normal(tensor.shape, standardDeviation: 0.02)
        }
    }
    do { try model.update(parameters: weights) } catch { fatalError("\(error)") }
    return model
}
