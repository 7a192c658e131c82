// Wan2.1 workloads for `make bench` (scripts/bench/wan_bench.py mirrors each one with diffusers).
import NN
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

let wanWorkloads: [Workload] = wanMemoryProbes + [
    Workload(name: "wan_dit_step", summary: "Wan-1.3B-shaped DiT forward (30 layers, bf16 weights) on a 16×5×30×52 latent with 512 text rows; bf16 activations where torch runs bf16, float32 elsewhere") {
        let model = wanBenchmarkTransformer()
        model.bfloat16Activations = torchRunsBFloat16  // the arithmetic class of torch's side (torch_dtype.py)
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

/// One LoRA (r 32, α 64, flow_grpo's Wan recipe) training step of a `layers`-layer 1.3B-shaped DiT on a
/// 16×5×30×52 latent, for `--peak-memory`: how activation memory scales with and without checkpointing.
func wanTrainingStep(layers: Int, checkpointing: Bool) -> () -> Float {
    let model = wanBenchmarkTransformer(layers: layers)
    var random = RandomGenerator(seed: 23)
    do { try WanFineTuning.applyLoRA(to: model, rank: 32, alpha: 64, initializer: &random) } catch { fatalError("\(error)") }
    model.gradientCheckpointing = checkpointing
    let clean = random.normal([1, 16, 5, 30, 52]), noise = random.normal([1, 16, 5, 30, 52])
    let context = random.normal([1, 512, 4096])
    let objective = WanFlowMatchingLoss(shift: 5)
    return {
        do {
            let (loss, _) = try Gradients.valueAndGradient(of: model) {
                try objective.loss(model: model, clean: clean, noise: noise, at: objective.timestep(at: 500), context: context)
            }
            return loss.item
        } catch {
            fatalError("\(error)")
        }
    }
}

/// Memory probes (`VANSBench --peak-memory NAME`); engine-only, so scripts/bench/bench.py does not time them.
let wanMemoryProbes: [Workload] = [
    Workload(name: "wan_dit_lora_step_4l", summary: "memory probe: LoRA training step, 4 of the 1.3B DiT's layers, 1950 tokens, no checkpointing") {
        wanTrainingStep(layers: 4, checkpointing: false)
    },
    Workload(name: "wan_dit_lora_step_4l_ckpt", summary: "memory probe: the same step with gradient checkpointing of the blocks") {
        wanTrainingStep(layers: 4, checkpointing: true)
    },
    Workload(name: "wan_dit_lora_step_8l_ckpt", summary: "memory probe: 8 layers with gradient checkpointing (slope per layer)") {
        wanTrainingStep(layers: 8, checkpointing: true)
    },
]
