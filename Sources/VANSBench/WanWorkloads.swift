// Wan2.1 workloads for `make bench` (scripts/bench/wan_bench.py mirrors each one with diffusers).
import Tensor
import Wan

/// A Wan-1.3B-shaped DiT (30 layers, dim 1536, 12 heads, FFN 8960, text dim 4096) with random bf16 weights.
func wanBenchmarkTransformer(layers: Int = 30) -> WanTransformer3DModel {
    var configuration = WanTransformerConfiguration()
    configuration.attentionHeads = 12
    configuration.attentionHeadDimension = 128
    configuration.feedForwardDimension = 8960
    configuration.layers = layers
    let model = WanTransformer3DModel(configuration: configuration)
    var random = RandomGenerator(seed: 21)
    var weights: [String: Tensor] = [:]
    for (key, shape) in model.parameterShapes() {
        // Unit norm weights, small projections: activations stay O(1) through 30 blocks.
        let values = key.contains("norm") && key.hasSuffix("weight") ? Tensor.ones(shape) : random.normal(shape, standardDeviation: 0.02)
        weights[key] = values.converted(to: .bfloat16)
    }
    do { try model.update(parameters: weights, requireAll: true) } catch { fatalError("\(error)") }
    return model
}

let wanWorkloads: [Workload] = [
    Workload(name: "wan_dit_step", summary: "Wan-1.3B-shaped DiT forward (30 layers, bf16 weights) on a 16×5×30×52 latent with 512 text rows") {
        let model = wanBenchmarkTransformer()
        var random = RandomGenerator(seed: 22)
        let latents = random.normal([1, 16, 5, 30, 52]), context = random.normal([1, 512, 4096])
        return {
            do {
                return try Autograd.withoutGradient { try model(latents, timesteps: [999], context: context) }.firstElement
            } catch {
                fatalError("\(error)")
            }
        }
    },
]
